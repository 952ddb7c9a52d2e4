"""Write paths of attendance."""

from django.db import transaction

from dangxiao.people.models import Member
from dangxiao.teaching.models import Session
from dangxiao.teaching.services import TeachingError

from .models import SessionRating
from .selectors import member_attended


@transaction.atomic
def session_rate(session: Session, member: Member, score: int, comment: str = "") -> SessionRating:
    """Only a member who attended the session may rate its teacher, once."""
    if session.teacher_id is None:
        raise TeachingError("该课次没有讲师，无法评价")
    if not 1 <= int(score) <= 5:
        raise TeachingError("评分应为1到5分")
    if not member_attended(member.pk, session.pk):
        raise TeachingError("只有参加了该课次的党员才能评价")
    if SessionRating.objects.filter(session=session, member=member).exists():
        raise TeachingError("您已评价过该课次")
    return SessionRating.objects.create(
        session=session, teacher_id=session.teacher_id, member=member, score=int(score), comment=comment.strip()[:300]
    )
