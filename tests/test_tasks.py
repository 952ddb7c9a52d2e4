import os
import time

from dangxiao.core.tasks import purge_stale_import_previews


def test_stale_import_previews_are_purged_and_fresh_ones_kept(tmp_path):
    stale, fresh = tmp_path / "1-old.xlsx", tmp_path / "1-new.xlsx"
    stale.write_bytes(b"x")
    fresh.write_bytes(b"x")
    now = time.time()
    os.utime(stale, (now - 2 * 86400, now - 2 * 86400))
    assert purge_stale_import_previews(now=now, directory=tmp_path) == 1
    assert not stale.exists() and fresh.exists()
    # A day later (a controllable clock), the fresh one goes too.
    assert purge_stale_import_previews(now=now + 86401, directory=tmp_path) == 1


def test_the_production_queue_runs_tasks_through_redis():
    """HUEY_REDIS_URL selects Redis: a task enqueued there is dequeued and executed by a worker."""
    import uuid

    from huey import RedisHuey

    huey = RedisHuey(f"dangxiao-test-{uuid.uuid4().hex[:8]}", url="redis://127.0.0.1:6379/15")

    @huey.task()
    def add(a, b):
        return a + b

    try:
        result = add(2, 3)
        task = huey.dequeue()
        huey.execute(task)
        assert result.get() == 5
    finally:
        huey.storage.flush_all()


def test_settings_select_redis_when_configured():
    import subprocess
    import sys

    code = "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='dangxiao.settings'; django.setup(); from huey.contrib.djhuey import HUEY; print(type(HUEY).__name__)"
    env = {**os.environ, "HUEY_REDIS_URL": "redis://127.0.0.1:6379/15"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "RedisHuey"
