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


def session_roll(session) -> list[dict]:
    """Enrolled members and walk-ins with their attendance and leave, in name order (3 queries)."""
    from dangxiao.teaching.models import Enrollment

    from .models import LeaveRequest

    marks = {a.member_id: a for a in Attendance.objects.filter(session=session).select_related("marked_by")}
    leaves = {lr.member_id: lr for lr in LeaveRequest.objects.filter(session=session)}
    enrolled = list(
        Enrollment.objects.filter(cohort_id=session.cohort_id, status=Enrollment.Status.ENROLLED)
        .select_related("member__organization")
        .order_by("member__name", "member_id")
    )
    rows = [{"member": e.member, "attendance": marks.pop(e.member_id, None), "leave": leaves.get(e.member_id)} for e in enrolled]
    if marks:  # walk-ins
        from dangxiao.people.models import Member

        for m in Member.objects.filter(pk__in=marks).select_related("organization").order_by("name"):
            rows.append({"member": m, "attendance": marks[m.pk], "leave": None})
    return rows


def checked_in_count(session_id: int) -> int:
    return Attendance.objects.filter(session_id=session_id, status__in=Attendance.ATTENDED).count()


def member_leaves(member_id: int, session_ids) -> dict:
    """The member's leave requests for these sessions, by session id (1 query)."""
    from .models import LeaveRequest

    return {lr.session_id: lr for lr in LeaveRequest.objects.filter(member_id=member_id, session_id__in=list(session_ids))}
