"""The secretary uploads a video lesson; a delivery rider watches part of it on a phone, skips ahead,
and comes back later to where they stopped. The player's real heartbeats are what is checked."""

import base64

import pytest
from playwright.sync_api import expect

from dangxiao.online.models import Lesson, LessonProgress
from dangxiao.teaching.models import Enrollment
from tests import factories as f

from .conftest import DESKTOP, PHONE
from .helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_SECONDS = 12
# A real mp4 made by the browser itself (no video file ships with the tests): a canvas flashing
# in the Party colours, recorded by MediaRecorder.
RECORD = """async (seconds) => {
  const c = document.createElement('canvas'); c.width = 64; c.height = 36;
  const g = c.getContext('2d');
  const recorder = new MediaRecorder(c.captureStream(10), {mimeType: 'video/mp4;codecs=avc1', videoBitsPerSecond: 20000});
  const chunks = []; recorder.ondataavailable = e => chunks.push(e.data);
  let n = 0;
  const timer = setInterval(() => { g.fillStyle = n++ % 2 ? '#b3141c' : '#ffd54f'; g.fillRect(0, 0, 64, 36); }, 100);
  recorder.start();
  await new Promise(r => setTimeout(r, seconds * 1000));
  const stopped = new Promise(r => recorder.onstop = r);
  recorder.stop(); clearInterval(timer); await stopped;
  const bytes = new Uint8Array(await new Blob(chunks).arrayBuffer());
  let text = ''; for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text);
}"""


def play(page, seconds: float) -> None:
    """Play muted (allowed without a tap) for a while, then pause, which sends a heartbeat."""
    page.evaluate("() => { const v = document.getElementById('lesson-video'); v.muted = true; return v.play(); }")
    page.wait_for_timeout(seconds * 1000)
    with page.expect_response(lambda r: r.url.endswith("/heartbeat") and r.request.method == "POST"):
        page.evaluate("() => document.getElementById('lesson-video').pause()")


def test_a_rider_watches_on_the_phone_skips_ahead_and_resumes(live_server, new_page):
    tree = f.make_tree()
    school, _main, _small = f.make_school(tree)
    cohort = f.make_cohort(school, tree["N1"], name="外卖骑手网上班", mode="online")
    rider = f.make_member(tree["N1"], name="王骑手", is_new_employment=True)
    Enrollment.objects.create(cohort=cohort, member=rider)
    rider_user = f.make_user(member=rider)
    secretary = f.make_user("n1sec", role="org_admin", org=tree["N1"], first_name="美团支部书记")

    staff = new_page(viewport=DESKTOP, base_url=live_server.url)
    sign_in(staff, secretary.username, f.PASSWORD)
    video = base64.b64decode(staff.evaluate(RECORD, RECORD_SECONDS))
    staff.goto(f"/online/cohorts/{cohort.pk}/")
    form = staff.locator("#lesson-form")
    form.locator("#id_title").fill("骑手党员的初心")
    form.locator("#id_kind").select_option("video")
    form.locator("#id_video").set_input_files({"name": "初心.mp4", "mimeType": "video/mp4", "buffer": video})
    form.get_by_role("button", name="添加课程").click()
    expect(staff.locator("h1")).to_have_text("骑手党员的初心")
    lesson = Lesson.objects.get()
    assert abs(lesson.duration_seconds - RECORD_SECONDS) <= 1  # read from the file's header

    phone = new_page(viewport=PHONE, base_url=live_server.url)
    sign_in(phone, rider_user.username, f.PASSWORD)
    phone.goto("/online/")
    phone.locator(f'[data-lesson="{lesson.pk}"]').click()
    expect(phone.locator("h1")).to_have_text("骑手党员的初心")
    phone.wait_for_function("() => document.getElementById('lesson-video').readyState >= 1")

    play(phone, 3)
    first = LessonProgress.objects.get(member=rider, lesson=lesson)
    assert 2 <= first.watched_seconds <= 4

    phone.evaluate("() => { document.getElementById('lesson-video').currentTime = 5; }")  # skip ahead
    phone.wait_for_function("() => !document.getElementById('lesson-video').seeking")
    play(phone, 2)
    progress = LessonProgress.objects.get(member=rider, lesson=lesson)
    assert len(progress.watched) == 2 and progress.watched[1][0] >= 4.5  # the skipped part is not counted
    assert 3 <= progress.watched_seconds <= 6 and 6 <= progress.position_seconds <= 8
    expect(phone.locator("#lesson-status")).to_contain_text("已观看")

    phone.reload()
    phone.wait_for_function("() => document.getElementById('lesson-video').currentTime >= 6")
    assert phone.evaluate("() => document.getElementById('lesson-video').currentTime") == pytest.approx(progress.position_seconds, abs=1)

    # Leave the lesson and let any heartbeat still in flight (the 10 s timer, or the one sent on
    # pagehide) land while the test owns the database: otherwise it races the teardown's flush of
    # the shared in-memory SQLite and the next test starts on a dirty database.
    phone.goto("about:blank")
    phone.wait_for_timeout(1500)
