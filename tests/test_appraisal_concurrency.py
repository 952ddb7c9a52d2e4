"""A member who sends their ballot twice at the same moment, on PostgreSQL: each request in its own thread
and connection, as gunicorn's workers would be. The database's unique "has voted" row lets one through;
the other is refused, and the tallies count one ballot."""

from datetime import date

import pytest

from dangxiao.appraisal import appraisal_services as services
from dangxiao.appraisal.appraisal_selectors import ballot_ratees
from dangxiao.appraisal.models import Tally, VoteCast

from . import factories as f
from .test_roll_concurrency import run_together

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def test_two_ballots_of_one_member_at_once_count_once():
    people = f.make_people(f.make_tree())
    branch = f.make_appraisal_branch(people["tree"])
    appraisal = services.appraisal_open(branch["org"], 2026, today=date(2026, 12, 7))
    voter = branch["members"][0]
    marks = {m.pk: "competent" for m in ballot_ratees(appraisal, voter.pk)}

    def vote():
        try:
            services.ballot_cast(appraisal, voter, marks)
        except services.AppraisalError as exc:
            return str(exc)
        return "ok"

    results = run_together([vote] * 6)
    assert sorted(results) == ["ok"] + ["您已经投过票，每人只能投一次"] * 5
    assert VoteCast.objects.filter(appraisal=appraisal).count() == 1
    assert sum(t.total for t in Tally.objects.filter(appraisal=appraisal)) == len(marks)
