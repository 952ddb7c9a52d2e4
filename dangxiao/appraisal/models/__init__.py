"""One module per domain of the appraisal app; each module's models are imported here so Django finds them."""

from .points import PointsAction, PointsCursor, PointsEntry, PointsRule, PointsRuleSet  # noqa: F401
