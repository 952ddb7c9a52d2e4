"""Video files: their length read from the mp4 header, and byte ranges for phone players.

Phones (Safari above all) play and seek a <video> only when the server answers Range requests
with 206 Partial Content; a slow connection then fetches just the part being watched. The file
is still private: callers check access first, as for `core.uploads.private_file_response`.
"""

import re
import struct

from django.http import HttpResponse, StreamingHttpResponse

from dangxiao.core.uploads import private_file_response

CHUNK = 64 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _find_box(f, name: bytes, start: int, end: int) -> tuple[int, int] | None:
    """(payload start, box end) of the first box `name` between start and end."""
    pos = start
    while pos + 8 <= end:
        f.seek(pos)
        header = f.read(8)
        if len(header) < 8:
            return None
        size, kind = struct.unpack(">I4s", header)
        offset = 8
        if size == 1:
            size, offset = struct.unpack(">Q", f.read(8))[0], 16
        elif size == 0:
            size = end - pos
        if size < offset:
            return None
        if kind == name:
            return pos + offset, pos + size
        pos += size
    return None


def mp4_duration(f, size: int) -> int | None:
    """Whole seconds from the movie header (moov → mvhd), or None when it cannot be read."""
    try:
        moov = _find_box(f, b"moov", 0, size)
        mvhd = moov and _find_box(f, b"mvhd", *moov)
        if not mvhd:
            return None
        f.seek(mvhd[0])
        version = f.read(4)[0]
        if version == 1:
            f.seek(16, 1)
            timescale, duration = struct.unpack(">IQ", f.read(12))
        else:
            f.seek(8, 1)
            timescale, duration = struct.unpack(">II", f.read(8))
        return round(duration / timescale) if timescale else None
    except (OSError, struct.error, IndexError):
        return None
    finally:
        f.seek(0)


def _stream(f, length: int):
    try:
        while length > 0:
            data = f.read(min(CHUNK, length))
            if not data:
                break
            length -= len(data)
            yield data
    finally:
        f.close()


def ranged_file_response(request, field_file, filename: str, content_type: str) -> HttpResponse:
    """The whole file, or the single byte range the player asked for (206)."""
    match = _RANGE.match(request.headers.get("Range", "").strip())
    if not match or not (match[1] or match[2]):
        response = private_file_response(field_file, filename, content_type)
        response["Accept-Ranges"] = "bytes"
        return response
    size = field_file.size
    if match[1]:
        first, last = int(match[1]), min(int(match[2]) if match[2] else size - 1, size - 1)
    else:
        first, last = max(0, size - int(match[2])), size - 1
    if first > last:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    f = field_file.storage.open(field_file.name, "rb")
    f.seek(first)
    response = StreamingHttpResponse(_stream(f, last - first + 1), status=206, content_type=content_type)
    response["Content-Range"] = f"bytes {first}-{last}/{size}"
    response["Content-Length"] = str(last - first + 1)
    response["Accept-Ranges"] = "bytes"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=0"
    return response
