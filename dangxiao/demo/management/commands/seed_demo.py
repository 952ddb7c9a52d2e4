import sys
from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from dangxiao.core.params import FIRST_YEAR, LAST_YEAR
from dangxiao.demo.appraisal import build_appraisal, wipe_appraisals
from dangxiao.demo.attendance import build_attendance
from dangxiao.demo.clock import DemoClock
from dangxiao.demo.dashboards import build_dashboards
from dangxiao.demo.liaison import build_compounds, build_liaison, grid_labels, wipe_compounds
from dangxiao.demo.meetings import build_meetings, wipe_meetings
from dangxiao.demo.notify import build_notify
from dangxiao.demo.online import build_online
from dangxiao.demo.people import DEMO_ACCOUNTS, build_people
from dangxiao.demo.points import build_points
from dangxiao.demo.projects import build_projects, wipe_projects
from dangxiao.demo.school import build_school
from dangxiao.demo.service import build_service, wipe_service
from dangxiao.demo.teaching import build_teaching, wipe_demo_school
from dangxiao.people.models import Organization

from ...guard import describe, record_demo, records_in_database, records_not_from_the_demo


class Command(BaseCommand):
    help = (
        "Build the Wenyuan demo school around today (or --today): a year of classes before it, the current month in "
        "progress, classes in the weeks after; the same records for the same day. Deletes every organisation, member, account and their records first. "
        "Refuses on a database holding records it did not write, and whenever DANGXIAO_DEBUG=0, "
        'unless given --wipe-everything (README "Configuration").'
    )

    def add_arguments(self, parser):
        parser.add_argument("--today", help="The demo's today, YYYY-MM-DD (default: the current date in Beijing).")
        parser.add_argument("--if-empty", action="store_true", help="Only build when the database has no organisations yet.")
        parser.add_argument(
            "--wipe-everything",
            action="store_true",
            help="Delete whatever the database holds, real records included: lists them and asks for 'yes' on a terminal.",
        )
        parser.add_argument(
            "--yes-really", action="store_true", help="With --wipe-everything and no terminal (a script): confirm without being asked."
        )

    def handle(self, *args, **options):
        today = self._today(options["today"])  # refused before anything is touched
        if options["if_empty"] and Organization.objects.exists():
            self.stdout.write("数据库中已有数据，跳过生成（重新生成请运行 make demo-reset）。")
            self._print_logins()
            return
        if options["wipe_everything"]:
            self._confirm_wipe(options["yes_really"])
        else:
            self._refuse_unless_demo()
        clock = DemoClock(today)
        self.stdout.write(f"正在生成演示数据：文源街道党校（以 {clock.today:%Y-%m-%d} 为今天）…")
        wipe_meetings()  # meetings protect their branches
        wipe_service()  # the activities hold their organisations
        wipe_appraisals()  # appraisals protect the members and branches rebuilt below
        wipe_demo_school()  # the school's rows protect the organisations build_people deletes
        wipe_compounds()
        wipe_projects()  # projects and pairs protect the members and organisations rebuilt below
        build_people(clock, self.stdout)
        build_compounds()  # counted with the liaison grid below
        build_teaching(build_school(clock, self.stdout), clock, self.stdout)
        build_attendance(clock, self.stdout)  # the roll before the demo's today
        build_online(clock, self.stdout)  # after the attendance builder, which resets the ledger
        build_meetings(clock, self.stdout)  # the themed days' attendance is the roll above
        build_projects(clock, self.stdout)
        build_service(clock, self.stdout)  # volunteer service, after the people and the venues
        build_liaison(clock, self.stdout)  # it gives grid leaders accounts, which the builders above never see
        build_points(clock, self.stdout)  # after every source of points (the roll, quizzes, matters)
        build_appraisal(clock, self.stdout)  # after liaison and points: a member's year counts matters resolved and points
        build_notify(clock, self.stdout)  # what the periodic jobs tell users this morning
        build_dashboards(clock, self.stdout)  # last: after every record the dashboards count
        record_demo()  # what is here now is the demo's: the next run may delete it without asking
        self.stdout.write(self.style.SUCCESS("演示数据已生成。"))
        self._print_logins()

    def _today(self, value: str | None) -> date:
        if value is None:
            return timezone.localdate()
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            raise CommandError(_("--today 须是 YYYY-MM-DD 格式的日期，例如 2026-12-07")) from None
        # The demo reaches a few years either side of its today (births aside), within the dates the product accepts.
        if not FIRST_YEAR + 3 <= day.year <= LAST_YEAR - 3:
            raise CommandError(_("--today 须在%(first)d年至%(last)d年之间") % {"first": FIRST_YEAR + 3, "last": LAST_YEAR - 3})
        return day

    def _refuse_unless_demo(self):
        if not settings.DEBUG:
            raise CommandError(
                _(
                    "DANGXIAO_DEBUG=0：这是正式环境，seed_demo 会删除全部组织、党员、账号及其记录，已拒绝。确需清空并生成演示数据，请加 --wipe-everything。"
                )
            )
        foreign = records_not_from_the_demo()
        if foreign:
            raise CommandError(
                _("数据库中有不是演示数据生成的记录，seed_demo 会把它们全部删除，已拒绝：\n%(records)s\n确需清空，请加 --wipe-everything。")
                % {"records": describe(foreign)}
            )

    def _confirm_wipe(self, yes_really: bool):
        everything, foreign = records_in_database(), records_not_from_the_demo()
        self.stdout.write(
            _("将删除数据库 %(database)s 中的以下记录：") % {"database": f"{connection.vendor}:{connection.settings_dict['NAME']}"}
        )
        self.stdout.write(describe(everything) or _("  （没有记录）"))
        if foreign:
            self.stdout.write(_("其中不是演示数据生成的记录：\n%(records)s") % {"records": describe(foreign)})
        if yes_really:
            return
        if not sys.stdin.isatty():
            raise CommandError(_("没有终端可以确认：已拒绝。在脚本中请同时加 --yes-really。"))
        answer = input(_("这些记录删除后无法恢复。确认删除请输入 yes："))
        if answer.strip().lower() != "yes":
            raise CommandError(_("未确认，没有删除任何记录。"))

    def _print_logins(self):
        self.stdout.write("演示账号（密码均为 Demo@2024）：")
        labels = {
            "13900000001": "校长",
            "13900000002": "社区党支部书记",
            "13900000003": "普通党员",
            "13900000004": "美团骑手党员",
            "13900000005": "副校长",
            "13900000006": "教学副校长",
        }
        grid = grid_labels([account[0] for account in DEMO_ACCOUNTS])  # e.g. "青山祠小区邻长"
        for phone, name, *_rest in DEMO_ACCOUNTS:
            also = f"，也是{grid[phone]}" if phone in grid else ""
            self.stdout.write(f"  {phone}  {name}（{labels[phone]}{also}）")
        self.stdout.write("  admin        系统管理员（超级用户）")
