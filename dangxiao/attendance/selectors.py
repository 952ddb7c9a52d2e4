from .models import Attendance


def member_attended(member_id: int, session_id: int) -> bool:
    return Attendance.objects.filter(member_id=member_id, session_id=session_id, status__in=Attendance.ATTENDED).exists()
