"""One module per domain of the practice app; each helper's models are imported here so Django finds them."""

from .meetings import MeetingAttendance, MeetingRule, OrganizationalMeeting, Period, ThemedPartyDay  # noqa: F401
from .projects import FrontlineProject, Mentorship, MentorshipMeeting, ProjectLog, ProjectPhase, ProjectTrainee  # noqa: F401
from .reflections import Reflection, ReflectionPhoto  # noqa: F401
from .service import ServiceParticipant, VolunteerService  # noqa: F401  (i12-service)
