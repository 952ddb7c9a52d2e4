"""The demo's notification centre: what the periodic jobs would have told users on the morning of the demo's
today (teachers' terms ending to the board, the next day's class reminders to members), written by the same
jobs under the demo's clock. No e-mail, SMS or robot is configured in the demo, so nothing leaves it."""

from datetime import timedelta

from dangxiao.attendance.reminders import session_reminders_send
from dangxiao.school.term_reminders import teacher_terms_notify

from .clock import DemoClock


def build_notify(clock: DemoClock, out) -> None:
    morning = clock.as_of + timedelta(hours=9)
    terms = teacher_terms_notify(today=clock.today, now=morning)  # first: the API's examples read the board's notice
    reminders = session_reminders_send(now=morning)
    out.write(f"  通知：讲师聘期到期 {terms} 条，上课提醒 {reminders} 条")
