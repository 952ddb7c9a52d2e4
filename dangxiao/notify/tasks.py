"""The queue's side of notifications: send an event's deliveries as soon as it is written, and every minute
whatever became due (quiet hours over, a retry's wait over)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import services


@db_task()
def send_event(event_key: str, now=None):
    return services.deliveries_send_due(event_key=event_key, now=now)


@db_periodic_task(crontab(minute="*"))
def send_due_deliveries():
    return services.deliveries_send_due()
