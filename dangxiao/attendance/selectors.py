from .models import Attendance


def member_attended(member_id: int, session_id: int) -> bool:
    return Attendance.objects.filter(member_id=member_id, session_id=session_id, status__in=Attendance.ATTENDED).exists()


def sessions_to_rate(member_id: int, since):
    """Sessions the member attended since a date, with a teacher, that they have not rated yet."""
    from dangxiao.teaching.models import Session

    from .models import SessionRating

    attended = Attendance.objects.filter(member_id=member_id, status__in=Attendance.ATTENDED).values("session")
    rated = SessionRating.objects.filter(member_id=member_id).values("session")
    return (
        Session.objects.filter(pk__in=attended, starts_at__gte=since, teacher__isnull=False)
        .exclude(pk__in=rated)
        .select_related("teacher", "cohort")
        .order_by("-starts_at")
    )
