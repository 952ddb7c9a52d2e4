"""A second working committee with its school, for the tests of one install serving two.

`make_committee` builds a tree apart from tests.factories.make_tree's, with its board, staff and
members and one of everything a page or endpoint can name: venue, partner, teacher, plan, course
and material, cohort, session, roll, leave, certificate, calendar feed, survey, home delivery,
online lesson and practice, compound with its grid and matters, liaison settings of its own, an
Open311 key and audit rows. Every name carries `name` and every phone starts with `phone_prefix`,
so that a page showing any of it is caught by looking for them.
"""

import itertools
import secrets
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from dangxiao.core import exports
from dangxiao.notify import services as notify_services
from dangxiao.notify.models import Notification, WeComRobot
from dangxiao.people.models import MemberTransfer, Organization
from dangxiao.reports.kiosk import kiosk_create

from .factories import make_member, make_user

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
_seq = itertools.count(1)


def make_committee(*, code: str = "HX", name: str = "湘江", phone_prefix: str = "136") -> dict:
    from dangxiao.attendance.models import (
        Attendance,
        HomeDeliveryPair,
        HomeVisit,
        LeaveRequest,
        StudyHourCertificate,
        StudyHourEntry,
    )
    from dangxiao.core.audit import audit_record
    from dangxiao.liaison import open311, services
    from dangxiao.liaison.models import (
        Building,
        CannedReply,
        Compound,
        GridRole,
        Household,
        MatterCategory,
        MatterPhoto,
        MatterState,
        Party,
    )
    from dangxiao.online.models import Lesson, PracticeSubmission, PracticeTask
    from dangxiao.people.models import ApiToken
    from dangxiao.people.services import token_issue
    from dangxiao.school.models import Partner, PartnerAgreement, School, Teacher, TeacherAppointment, Topic, TrainingPlan, Venue
    from dangxiao.teaching.models import CalendarFeed, Cohort, Course, CourseMaterial, Enrollment, NeedsSurvey, Session

    K, U = Organization.Kind, Organization.UnitType
    tree = Organization.objects
    root = tree.add_root(instance=Organization(name=f"{name}街道党工委", code=code, kind=K.WORKING_COMMITTEE, unit_type=U.SUB_DISTRICT))
    community = tree.add_child(
        root, instance=Organization(name=f"{name}社区党委", code=f"{code}-C1", kind=K.COMMITTEE, unit_type=U.COMMUNITY)
    )
    branch = tree.add_child(
        community, instance=Organization(name=f"{name}社区第一党支部", code=f"{code}-C1-1", kind=K.BRANCH, unit_type=U.COMMUNITY)
    )
    root, community, branch = (Organization.objects.get(pk=o.pk) for o in (root, community, branch))

    def phone() -> str:
        return f"{phone_prefix}{next(_seq):08d}"

    def member(**fields):
        n = next(_seq)
        return make_member(branch, name=f"{name}党员{n}", phone=phone(), home_compound=f"{name}苑", **fields)

    members = [member() for _ in range(3)]
    elder = member(is_elderly_infirm=True, birth_date=date(1940, 5, 1))
    users = {
        "principal": make_user(f"{code}-principal", role="principal", org=root, first_name=f"{name}校长"),
        "secretary": make_user(f"{code}-secretary", role="org_admin", org=branch, first_name=f"{name}书记"),
        "teacher": make_user(f"{code}-teacher", role="teacher", org=branch, first_name=f"{name}讲师"),
        "member": make_user(member=members[0]),
    }

    today = timezone.localdate()
    now = timezone.now()
    school = School.objects.create(name=f"{name}街道党校", brand=f"{name}课堂", organization=root)
    plan = TrainingPlan.objects.create(school=school, year=today.year, title=f"{name}年度培训计划", status=TrainingPlan.Status.SUBMITTED)
    partner = Partner.objects.create(school=school, name=f"{name}大学", kind=Partner.Kind.UNIVERSITY)
    agreement = PartnerAgreement.objects.create(
        partner=partner,
        title=f"{name}共建协议",
        shares_venues=True,
        signed_on=today - timedelta(days=30),
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=300),
    )
    venue = Venue.objects.create(
        school=school, name=f"{name}党群服务中心", tier="main", kind="party_school", capacity=50, organization=root, partner=partner
    )
    topic = Topic.objects.create(school=school, name=f"{name}专题")
    teacher = Teacher.objects.create(
        school=school, name=f"{name}老师", source="party_school", user=users["teacher"], appointed_until=today + timedelta(days=365)
    )
    teacher.topics.add(topic)
    TeacherAppointment.objects.create(teacher=teacher, starts_on=today - timedelta(days=1), ends_on=teacher.appointed_until)
    course = Course.objects.create(school=school, organization=branch, plan=plan, title=f"{name}党课", kind="theory", topic=topic)
    material = CourseMaterial.objects.create(
        course=course, title=f"{name}讲义", content_type="application/pdf", size=len(PDF), uploaded_by=users["secretary"]
    )
    material.file.save("handout.pdf", ContentFile(PDF))
    cohort = Cohort.objects.create(school=school, organization=branch, plan=plan, name=f"{name}提升班", default_venue=venue)
    cohort.courses.add(course)
    for m in members:
        Enrollment.objects.create(cohort=cohort, member=m)
    session = Session.objects.create(
        cohort=cohort,
        course=course,
        title=f"{name}第一课",
        starts_at=now - timedelta(hours=2),
        ends_at=now - timedelta(hours=1),
        venue=venue,
        teacher=teacher,
    )
    Attendance.objects.create(session=session, member=members[0], status="present")
    leave = LeaveRequest.objects.create(session=session, member=members[1], reason=f"{name}出差")
    StudyHourEntry.objects.create(
        member=members[0], session=session, date=today, hours=Decimal("2.0"), source="session", note=f"{name}学时"
    )
    certificate = StudyHourCertificate.objects.create(member=members[0], year=today.year, hours=Decimal("2.0"), code=secrets.token_hex(6))
    feed = CalendarFeed.objects.create(token=secrets.token_urlsafe(32), member=members[0])
    survey = NeedsSurvey.objects.create(
        school=school, organization=root, title=f"{name}需求调研", opens_on=today - timedelta(days=1), closes_on=today + timedelta(days=9)
    )
    survey.topics.add(topic)

    home = Cohort.objects.create(school=school, organization=branch, name=f"{name}送学上门班", mode=Cohort.Mode.HOME_DELIVERY)
    pair = HomeDeliveryPair.objects.create(cohort=home, elder=elder, helper=members[2])
    visit = HomeVisit.objects.create(pair=pair, visited_on=today, minutes=60, content=f"{name}学习内容")
    visit.photo.save("visit.png", ContentFile(PNG))

    online = Cohort.objects.create(school=school, organization=branch, name=f"{name}网上班级", mode=Cohort.Mode.ONLINE)
    Enrollment.objects.create(cohort=online, member=members[0])
    lesson = Lesson.objects.create(cohort=online, title=f"{name}网课", kind=Lesson.Kind.ARTICLE, body=f"{name}正文", study_minutes=10)
    lesson.document.save("lesson.pdf", ContentFile(PDF))
    task = PracticeTask.objects.create(cohort=online, title=f"{name}实践任务")
    submission = PracticeSubmission.objects.create(
        task=task, member=members[0], text=f"{name}实践情况", photo_content_type="image/png", submitted_at=now
    )
    submission.photo.save("practice.png", ContentFile(PNG))
    from dangxiao.practice.models import Reflection, ReflectionPhoto

    reflection = Reflection.objects.create(
        member=members[0], title=f"{name}学习心得", text=f"{name}心得内容", submitted_at=now, status="approved",
        approved_on=now.date(), shown_to_organization=True,
    )  # fmt: skip
    reflection_photo = ReflectionPhoto(reflection=reflection, content_type="image/png")
    reflection_photo.file.save("reflection.png", ContentFile(PNG))

    # The residents' liaison, with settings of this committee's own (its defaults, renamed).
    compound = Compound.objects.create(community=community, name=f"{name}苑", latitude=Decimal("28.100"), longitude=Decimal("112.900"))
    building = Building.objects.create(compound=compound, name="1栋")
    households = [
        Household.objects.create(building=building, room=f"10{i}", contact_name=f"{name}住户{i}", contact_phone=phone())
        for i in range(1, 4)
    ]
    chief = GridRole.objects.create(
        compound=compound, kind=GridRole.Kind.AREA_CHIEF, name=f"{name}片长", phone=phone(), user=make_user(f"{code}-chief")
    )
    neighbour = GridRole.objects.create(
        compound=compound, kind=GridRole.Kind.NEIGHBOUR_LEADER, parent=chief, name=f"{name}邻长", phone=phone(), member=members[1]
    )
    neighbour.households.set(households)
    party = Party.objects.create(compound=compound, kind=Party.Kind.PROPERTY, name=f"{name}物业", phone=phone())
    for category in MatterCategory.objects.filter(working_committee=root):
        category.name = f"{name}{category.name}"
        category.save(update_fields=["name"])
    for state in MatterState.objects.filter(working_committee=root):
        state.label = f"{name}{state.label}"
        state.save(update_fields=["label"])
    CannedReply.objects.filter(working_committee=root).update(title=f"{name}回复")
    category = MatterCategory.objects.get(working_committee=root, code="e_bike_charging")
    matter = services.matter_report(
        compound,
        category=category,
        description=f"{name}楼道飞线充电",
        household=households[0],
        reporter_name=f"{name}居民",
        reporter_phone=phone(),
        now=now - timedelta(days=3),
    )
    services.matter_accept(matter, users["principal"], note=f"{name}已受理", now=now - timedelta(days=3) + timedelta(hours=1))
    photo = MatterPhoto.objects.create(matter=matter, content_type="image/png")
    photo.file.save("matter.png", ContentFile(PNG))
    client, key = open311.client_issue(name=f"{name}热线", working_committee=root, issued_by=users["principal"])
    token_issue(users["principal"], name=f"{name}客户端")
    api_token = ApiToken.objects.get(user=users["principal"])
    transfer = MemberTransfer.objects.create(  # waiting for the community to take the member in
        member=members[2], from_organization=branch, to_organization=community, kind="request", transferred_on=today, note=f"{name}转接"
    )
    # 主题党日 and 三会一课, with an uploaded minutes file.
    from dangxiao.practice.meetings_services import MeetingInput, ThemedDayInput, meeting_record, themed_day_record

    held = timezone.localtime(session.starts_at).date()
    themed_day = themed_day_record(branch, ThemedDayInput(held_on=held, session=session, film=f"{name}影片"), by=None, today=today)
    meeting = meeting_record(
        branch,
        MeetingInput("lesson", today, topic=f"{name}党课", lecturer_member=members[1]),
        by=None,
        marks={m.pk: "present" for m in members},
        today=today,
    )
    meeting.minutes_file.save("minutes.pdf", ContentFile(PDF))
    meeting.minutes_content_type, meeting.minutes_name = "application/pdf", "minutes.pdf"
    meeting.save(update_fields=["minutes_content_type", "minutes_name"])
    kiosk, kiosk_key = kiosk_create(users["principal"], school, f"{name}大屏")
    notify_services.notify([users["principal"]], f"two:{code}", f"{name}通知", f"{name}的通知内容", "/", kind="teacher_term", now=now)
    notification = Notification.objects.get(user=users["principal"], event_key=f"two:{code}")
    # A finished background export of the principal's (core.exports): the file is theirs alone.
    export, _queued = exports.export_request(users["principal"].pk, "/sessions/export.xlsx", f"{name}课次", 1)
    exports.write_atomically(export.file_path, b"PK")
    export.status = exports.DONE
    exports.save(export)
    robot = WeComRobot.objects.create(organization=root, webhook_url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=" + code)
    audit_record(
        None,
        "reveal",
        organization_id=members[0].organization_id,
        object_type="member",
        object_id=members[0].pk,
        summary=f"查看党员{members[0].name}的完整手机号和身份证号",
    )
    # A frontline project with its phase, trainee and log (with a photo), and a mentor pair with a meeting.
    from dangxiao.practice import projects_services as practice

    project = practice.project_create(
        branch, name=f"{name}棚改项目", starts_on=today - timedelta(days=60), ends_on=today + timedelta(days=60), lead=members[0]
    )
    phase = practice.phase_add(project, name=f"{name}入户", starts_on=project.starts_on, ends_on=today)
    trainee = practice.trainee_assign(project, members[1], role=f"{name}岗位", starts_on=project.starts_on, ends_on=project.ends_on)
    project_log = practice.log_write(project, members[1], written_on=today, text=f"{name}日志", today=today)
    project_log.photo.save("log.png", ContentFile(PNG))
    mentorship = practice.mentorship_create(
        "cadre", branch, mentor=members[0], mentee=members[1], goals=f"{name}目标", starts_on=today - timedelta(days=30), project=project
    )
    mentorship_meeting = practice.meeting_log(mentorship, members[1], met_on=today, minutes=f"{name}纪要", today=today)
    # Volunteer service: an activity of the branch that has ended, a member signed up, checked in, hours pending.
    from dangxiao.practice import service_services

    service_start = now - timedelta(days=2)
    service = service_services.service_create(
        branch, title=f"{name}志愿服务", starts_at=service_start, ends_at=service_start + timedelta(hours=2), place=f"{name}苑"
    )
    service_services.service_sign_up(service, members[0], now=service_start - timedelta(days=1))
    service_services.service_mark_presence(service, [members[0].pk], now=service_start)
    service_services.hours_record(service, now=service_start + timedelta(hours=3))
    participant = service.participants.get()
    # A decided 民主评议 of the branch, with one 不合格 member followed up.
    from dangxiao.appraisal import appraisal_services as appraisal

    assessed = appraisal.appraisal_open(branch, today.year, today=today)
    rated = [*members, elder]
    for voter in rated:
        appraisal.ballot_cast(assessed, voter, {m.pk: "competent" for m in rated if m != voter})
    appraisal.appraisal_close(assessed, today=today)
    appraisal.ratings_propose(assessed, {m.pk: "incompetent" if m == elder else "competent" for m in rated})
    appraisal.appraisal_decide(assessed, decided_on=today, today=today)
    return {
        "appraisal": assessed,
        "follow_up": assessed.ratings.get(member=elder).follow_up,
        "project": project,
        "phase": phase,
        "trainee": trainee,
        "project_log": project_log,
        "mentorship": mentorship,
        "mentorship_meeting": mentorship_meeting,
        "kiosk": kiosk,
        "kiosk_key": kiosk_key,
        "root": root,
        "community": community,
        "branch": branch,
        "members": members,
        "elder": elder,
        "users": users,
        "school": school,
        "plan": plan,
        "partner": partner,
        "agreement": agreement,
        "venue": venue,
        "topic": topic,
        "teacher": teacher,
        "course": course,
        "material": material,
        "cohort": cohort,
        "session": session,
        "leave": leave,
        "certificate": certificate,
        "feed": feed,
        "survey": survey,
        "home_cohort": home,
        "pair": pair,
        "visit": visit,
        "online_cohort": online,
        "lesson": lesson,
        "task": task,
        "submission": submission,
        "reflection": reflection,
        "reflection_photo": reflection_photo,
        "compound": compound,
        "building": building,
        "households": households,
        "roles": {"chief": chief, "neighbour": neighbour},
        "party": party,
        "category": category,
        "matter": matter,
        "photo": photo,
        "open311_client": client,
        "open311_key": key,
        "api_token": api_token,
        "transfer": transfer,
        "themed_day": themed_day,
        "meeting": meeting,
        "volunteer_service": service,
        "service_participant": participant,
        "notification": notification,
        "export": export,
        "robot": robot,
    }
