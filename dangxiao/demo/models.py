from django.db import models


class DemoSeed(models.Model):
    """What the last `seed_demo` left behind: for each table of the project, the highest id it had written.

    Rows are numbered in the order they are written and ids are never reused (PostgreSQL's sequences,
    SQLite's AUTOINCREMENT), so a row above its table's mark was written by someone else after the demo
    was built, and a table without rows in the demo has a mark of 0. One row, replaced by every seed.
    """

    built_at = models.DateTimeField(auto_now_add=True)
    marks = models.JSONField(default=dict)  # "app_label.ModelName" → highest id

    def __str__(self) -> str:
        return f"demo built {self.built_at:%Y-%m-%d %H:%M}"
