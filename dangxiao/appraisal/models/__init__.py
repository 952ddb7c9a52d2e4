"""One module per domain of the appraisal app; each module's models are imported here so Django finds them."""

from .appraisal import Appraisal, FollowUp, Grade, Participant, Rating, SelfAssessment, Tally, VoteCast, VotingCode  # noqa: F401
from .commendation import Commendation, CommendationKind, CommendationRule  # noqa: F401
from .points import PointsAction, PointsCursor, PointsEntry, PointsRule, PointsRuleSet  # noqa: F401
