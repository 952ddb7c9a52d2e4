from django.core.management.base import BaseCommand

from dangxiao.attendance.demo import build_attendance
from dangxiao.liaison.demo import build_compounds, build_liaison, grid_labels, wipe_compounds
from dangxiao.online.demo import build_online
from dangxiao.people.demo import DEMO_ACCOUNTS, build_people
from dangxiao.people.models import Organization
from dangxiao.school.demo import build_school
from dangxiao.teaching.demo import build_teaching, wipe_demo_school


class Command(BaseCommand):
    help = "Build the Wenyuan demo school (wipes and rebuilds demo data; the same records every run)."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="Only build when the database has no organisations yet.")

    def handle(self, *args, **options):
        if options["if_empty"] and Organization.objects.exists():
            self.stdout.write("数据库中已有数据，跳过生成（重新生成请运行 make demo-reset）。")
            self._print_logins()
            return
        self.stdout.write("正在生成演示数据：文源街道党校 …")
        wipe_demo_school()  # the school's rows protect the organisations build_people deletes
        wipe_compounds()
        build_people(self.stdout)
        build_compounds()  # counted with the liaison grid below
        build_teaching(build_school(self.stdout), self.stdout)
        build_attendance(self.stdout)  # the roll before the demo day
        build_online(self.stdout)  # after the attendance builder, which resets the ledger
        build_liaison(self.stdout)  # last: it gives grid leaders accounts, which the builders above never see
        self.stdout.write(self.style.SUCCESS("演示数据已生成。"))
        self._print_logins()

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
        grid = grid_labels([phone for phone, *_ in DEMO_ACCOUNTS])  # e.g. "青山祠小区邻长"
        for phone, name, *_ in DEMO_ACCOUNTS:
            also = f"，也是{grid[phone]}" if phone in grid else ""
            self.stdout.write(f"  {phone}  {name}（{labels[phone]}{also}）")
        self.stdout.write("  admin        系统管理员（超级用户）")
