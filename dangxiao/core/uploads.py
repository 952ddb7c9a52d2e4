"""Private uploads: type and size limits checked on the bytes, not the name alone.

Files live under var/uploads (never served by a static route); views hand them out only after an
access check, through `private_file_response`.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.http import FileResponse


@dataclass(frozen=True)
class Kind:
    extensions: tuple[str, ...]
    content_type: str
    signatures: tuple[bytes, ...]
    max_bytes: int


MB = 1024 * 1024
KINDS = {
    "pdf": Kind((".pdf",), "application/pdf", (b"%PDF-",), 50 * MB),
    "docx": Kind((".docx",), "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",), 50 * MB),
    "pptx": Kind((".pptx",), "application/vnd.openxmlformats-officedocument.presentationml.presentation", (b"PK\x03\x04",), 100 * MB),
    "xlsx": Kind((".xlsx",), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",), 20 * MB),
    "jpeg": Kind((".jpg", ".jpeg"), "image/jpeg", (b"\xff\xd8\xff",), 10 * MB),
    "png": Kind((".png",), "image/png", (b"\x89PNG\r\n\x1a\n",), 10 * MB),
    "mp4": Kind((".mp4", ".m4v"), "video/mp4", (), 500 * MB),
}
MATERIAL_KINDS = ("pdf", "docx", "pptx", "xlsx", "jpeg", "png", "mp4")
PHOTO_KINDS = ("jpeg", "png")


def _matches(kind: Kind, head: bytes) -> bool:
    if kind.content_type == "video/mp4":
        return head[4:8] == b"ftyp"
    return any(head.startswith(sig) for sig in kind.signatures)


def check_upload(upload, allowed: tuple[str, ...]) -> Kind:
    """The upload's kind, or a ValidationError in Chinese naming what is allowed and the size limit."""
    name = (upload.name or "").lower()
    kind = next((KINDS[k] for k in allowed if name.endswith(KINDS[k].extensions)), None)
    allowed_ext = "、".join(e for k in allowed for e in KINDS[k].extensions)
    if kind is None:
        raise ValidationError(f"不支持的文件类型，只能上传 {allowed_ext}")
    if upload.size > kind.max_bytes:
        raise ValidationError(f"文件过大：{upload.size / MB:.1f} MB，此类文件不能超过 {kind.max_bytes // MB} MB")
    if upload.size == 0:
        raise ValidationError("文件是空的")
    head = upload.read(16)
    upload.seek(0)
    if not _matches(kind, head):
        raise ValidationError("文件内容与扩展名不符，请上传真实的文件")
    return kind


def private_file_response(field_file, filename: str, content_type: str) -> FileResponse:
    response = FileResponse(
        field_file.open("rb"),
        content_type=content_type,
        as_attachment=not content_type.startswith(("image/", "video/", "application/pdf")),
        filename=filename,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=0"
    return response
