"""An example for every operation, with values that work against the demo school (`manage.py seed_demo`,
a fresh database): the ids are the demo's, the principal (13900000001 / Demo@2024) may do all of it.

`PATH` gives each path parameter a demo id (an operation may use another in `PATH_FOR`); `BODIES` each
JSON body. api/openapi.py puts them into the document as `example`s; tests/test_openapi.py checks that each
body validates against its own schema and that posted to a demo-like school it is not refused for its shape.
Run in this order on a fresh demo, each one succeeds or is refused for a reason of state (already done).
"""

MATTER_NEW = 199  # the one the example of POST liaison/matters records (青山祠小区)
PATH = {
    "member_id": 7,  # 史敏国, 青山祠社区第一党支部
    "transfer_id": 1,  # the one the transfer example asks for
    "org_id": 7,  # 青山祠社区小区联合党支部
    "role_id": 2,
    "session_id": 66,  # a planned session of cohort 12
    "leave_id": 1931,  # a pending leave request
    "venue_id": 2,
    "partner_id": 1,
    "agreement_id": 1,
    "plan_id": 1,
    "teacher_id": 2,
    "topic_id": 1,
    "course_id": 1,
    "cohort_id": 12,
    "lesson_id": 1,
    "matter_id": MATTER_NEW,
    "token_id": 1,
    "code": "ABCDEFGHJK",
    "themed_day_id": 1,  # 青山祠社区第一党支部's themed day of the demo's first month
    "meeting_id": 1,  # its first 党课 of the year
    "reflection_id": 92,  # a pending reflection (the principal, on the board, reviews it)
    "year": 2026,  # the points and meeting rules' year (the demo's)
    "project_id": 1,  # 中化地勘院棚改征收 (running; the principal leads it)
    "phase_id": 3,  # its phase 签约征收
    "trainee_id": 8,  # 徐淑新 on 湘林家园老旧小区改造 (ended, not yet assessed)
    "mentorship_id": 1,  # 李建国 → 莫嘉秀, 传帮带 on 中化地勘院
    "activity_id": 2,  # 青山祠社区党委's coming volunteer activity (王志强 signed up)
    "participant_id": 521,  # hours waiting in the queue
    "kiosk_id": 1,  # the lobby screen the example of POST /kiosks creates
    "appraisal_id": 5,  # the open 民主评议 of 青山祠社区第一党支部 (demo/appraisal.py)
    "follow_up_id": 1,  # the demo's one 不合格 member's education plan
    "notification_id": 1,  # one of the principal's (the demo's teachers whose terms end soon)
}
PATH_FOR = {
    ("post", "/members/{member_id}/confirm"): {"member_id": 8},  # 夏梅, a probationary member
    ("post", "/members/{member_id}/leave"): {"member_id": 24},
    ("post", "/members/{member_id}/transfer"): {"member_id": 16},
    ("post", "/organizations/{org_id}/dissolve"): {"org_id": 57},  # the empty one the example adds
    ("delete", "/organizations/{org_id}"): {"org_id": 57},
    ("patch", "/plans/{plan_id}"): {"plan_id": 2},  # the draft the example adds
    ("post", "/sessions/{session_id}/leave-requests"): {"session_id": 92},  # one of 王志强's
    ("post", "/liaison/matters/{matter_id}/accept"): {"matter_id": 198},  # reported, not yet accepted
    ("post", "/liaison/matters/{matter_id}/merge"): {"matter_id": 196},  # another in 青山祠小区
    ("post", "/reflections/{reflection_id}/return"): {"reflection_id": 25},  # another pending one
    ("post", "/reflections/{reflection_id}/show"): {"reflection_id": 38},  # 王志强's approved one
    ("patch", "/reflections/{reflection_id}"): {"reflection_id": 39},  # 王志强's returned one (his to revise)
    ("post", "/practice/mentorships/{mentorship_id}/close"): {"mentorship_id": 2},  # 陈卫东 → 叶俊
    ("delete", "/practice/projects/{project_id}"): {"project_id": 5},  # the one the example adds
    ("post", "/practice/projects/{project_id}/close"): {"project_id": 5},
    ("delete", "/practice/mentorships/{mentorship_id}"): {"mentorship_id": 9},  # the one the example adds
    ("post", "/practice/service/activities/{activity_id}/cancel"): {"activity_id": 67},  # the one the example adds
    ("post", "/practice/service/participants/{participant_id}/correction"): {"participant_id": 427},  # 王志强's request
    ("post", "/me/service/activities/{activity_id}/sign-up"): {"activity_id": 1},  # the school-wide day
    ("post", "/me/service/activities/{activity_id}/withdraw"): {"activity_id": 1},
    ("post", "/me/service/participants/{participant_id}/correction"): {"participant_id": 38},  # one of 王志强's
    # The yearly report the example of POST /reports/yearly asks for: the working committee's, this year.
    ("get", "/reports/yearly/{org_id}/{year}"): {"org_id": 1, "year": 2026},
    ("get", "/reports/yearly/{org_id}/{year}/pdf"): {"org_id": 1, "year": 2026},
    # The principal's own branch's (文源街道机关第一党支部), decided: the vote is refused for its state.
    ("put", "/me/appraisals/{appraisal_id}/self-assessment"): {"appraisal_id": 3},
    ("post", "/me/appraisals/{appraisal_id}/ballot"): {"appraisal_id": 3},
}

BODIES = {
    ("post", "/reports/yearly"): {"organization_id": 1, "year": 2026},
    ("post", "/auth/token"): {"username": "13900000001", "password": "Demo@2024"},
    # Sets 周文辉's password anew (the current one serves as the code): his tokens end, as they would.
    ("post", "/auth/activate"): {"username": "13900000006", "code": "Demo@2024", "new_password": "Hongqi#2026"},
    ("post", "/members"): {
        "organization_id": 3,
        "name": "赵红梅",
        "gender": "女",
        "birth_date": "1990-05-12",
        "ethnicity": "汉族",
        "education": "大学本科",
        "joined_party_on": "2015-07-01",
        "status": "正式党员",
        "phone": "13912345678",
        "occupation": "社区工作者",
    },
    ("patch", "/members/{member_id}"): {"phone": "13987654321", "is_mobile": False},
    ("post", "/members/{member_id}/confirm"): {"confirmed_on": "2026-12-01"},
    ("post", "/members/{member_id}/leave"): {"left_on": "2026-12-01", "reason": "transferred_out", "note": "迁往外省"},
    ("post", "/members/{member_id}/transfer"): {"to_organization_id": 9, "transferred_on": "2026-12-01", "note": "搬迁至赤岭路社区"},
    ("post", "/member-transfers/{transfer_id}/refuse"): {"reason": "该党员不在本社区居住"},
    ("post", "/organizations"): {
        "parent_id": 2,
        "name": "青山祠社区第五党支部",
        "short_name": "第五支部",
        "code": "QSC-05",
        "kind": "branch",
        "unit_type": "community",
    },
    ("patch", "/organizations/{org_id}"): {"short_name": "小区联合支部"},
    ("post", "/organizations/{org_id}/move"): {"parent_id": 2},
    ("post", "/organizations/{org_id}/dissolve"): {"reason": "支部合并"},
    ("post", "/working-committees"): {
        "name": "书院路街道党工委",
        "code": "SYL",
        "unit_type": "sub_district",
        "school_name": "书院路街道党校",
        "principal_username": "13900000088",
        "principal_name": "孙立平",
    },
    ("post", "/roles"): {"organization_id": 3, "kind": "org_admin", "member_id": 7},
    ("post", "/checkin"): {"session_id": 66, "code": "123456", "device_id": "phone-1"},
    ("put", "/sessions/{session_id}/marks"): {"marks": {"1204": "absent"}},
    ("post", "/sessions/{session_id}/leave-requests"): {"reason": "出差在外"},
    ("post", "/leave-requests/{leave_id}/decision"): {"approve": True, "note": "同意"},
    ("post", "/venues"): {
        "name": "青山祠小区红色驿站",
        "tier": "site",
        "kind": "red_home",
        "organization_id": 2,
        "address": "青山祠小区3栋旁",
        "capacity": 30,
        "opening_hours": "每周六 9:00–17:00",
    },
    ("patch", "/venues/{venue_id}"): {"capacity": 120, "opening_hours": "工作日 8:30–17:30"},
    ("post", "/partners"): {"name": "湖南师范大学", "kind": "university", "contact_name": "王老师", "description": "师资共建"},
    ("patch", "/partners/{partner_id}"): {"contact_name": "李老师"},
    ("patch", "/school"): {"address": "长沙市天心区书院路 1 号"},
    ("post", "/plans"): {
        "year": 2027,
        "title": "文源街道党校2027年度党员教育培训计划",
        "target_person_times": 3000,
        "target_study_hours": 24,
    },
    ("patch", "/plans/{plan_id}"): {"goals": "全年党员集中培训不少于 24 学时"},
    ("post", "/plans/{plan_id}/return"): {"note": "请补充年度目标"},
    ("patch", "/agreements/{agreement_id}"): {"shares_talent": True},
    ("post", "/partners/{partner_id}/agreements"): {
        "title": "党建共建补充协议",
        "shares_venues": True,
        "signed_on": "2026-12-01",
        "starts_on": "2027-01-01",
        "ends_on": "2027-12-31",
    },
    ("post", "/agreements/{agreement_id}/renew"): {"ends_on": "2029-12-31"},
    ("post", "/agreements/{agreement_id}/end"): {"reason": "合作方调整", "on": "2026-12-31"},
    ("post", "/teachers"): {
        "source": "expert",
        "name": "钱学文",
        "phone": "13811112222",
        "affiliation": "湖南省委党校",
        "title": "教授",
        "topic_ids": [1],
        "appointed_from": "2027-01-01",
        "appointed_until": "2028-12-31",
    },
    ("patch", "/teachers/{teacher_id}"): {"title": "副教授"},
    ("post", "/teachers/{teacher_id}/renew"): {"ends_on": "2029-12-31"},
    ("post", "/teachers/{teacher_id}/end"): {"ended_on": "2028-06-30", "reason": "本人辞去"},
    ("post", "/topics"): {"name": "数字治理", "parent_id": 4, "order": 9},
    ("patch", "/topics/{topic_id}"): {"order": 1},
    ("post", "/courses"): {"title": "网格化治理实务", "kind": "practice", "topic_id": 4, "default_hours": 2, "online_capable": False},
    ("patch", "/courses/{course_id}"): {"default_hours": 3},
    ("post", "/cohorts"): {
        "name": "青山祠社区第一党支部冬训班",
        "organization_id": 3,
        "mode": "in_person",
        "starts_on": "2027-01-05",
        "ends_on": "2027-02-28",
        "seat_limit": 40,
        "target_rule": {"flags": [], "positions": [], "statuses": [], "age_bands": [], "industries": []},
        "course_ids": [],
        "auto_enrol": True,
        "self_enrol_open": False,
    },
    ("patch", "/cohorts/{cohort_id}"): {"seat_limit": 80},
    ("post", "/cohorts/{cohort_id}/enrollments"): {"member_id": 7},
    ("post", "/sessions"): {
        "cohort_id": 12,
        "title": "专题辅导",
        "starts_at": "2026-12-22T14:30:00+08:00",
        "ends_at": "2026-12-22T16:30:00+08:00",
        "course_id": 1,
    },
    ("patch", "/sessions/{session_id}"): {"title": "专题辅导（调整）"},
    ("post", "/cohorts/{cohort_id}/schedule-rules"): {
        "weekdays": [2],
        "start_time": "19:00:00",
        "end_time": "20:30:00",
        "starts_on": "2027-01-05",
        "ends_on": "2027-01-26",
        "title": "夜校",
    },
    ("post", "/sessions/{session_id}/cancel"): {"reason": "天气原因，另行通知"},
    ("post", "/leave-inbox/decisions"): {"leave_ids": [1932, 1933], "approve": True, "note": "同意"},
    ("post", "/online/lessons/{lesson_id}/heartbeat"): {"position": 30, "from": 0, "to": 30},
    ("post", "/reflections"): {"title": "学习心得", "text": "学习了党的创新理论，要把学习成果转化为服务群众的行动。", "link": ""},
    ("patch", "/reflections/{reflection_id}"): {"title": "学习心得（修改）", "text": "结合社区工作，谈谈下一步打算。", "link": ""},
    ("post", "/reflections/{reflection_id}/approve"): {"note": "写得实在", "show": True},
    ("post", "/reflections/{reflection_id}/return"): {"note": "请结合本职工作谈谈下一步打算", "show": False},
    ("post", "/reflections/{reflection_id}/show"): {"shown": True},
    ("put", "/points/rules/{year}"): {"rules": [{"action": "attend", "points": 2, "day_cap": 4, "month_cap": None, "year_cap": None}]},
    ("post", "/liaison/matters"): {
        "compound_id": 2,
        "category": "lighting",
        "description": "3栋楼道灯不亮",
        "location": "3栋2单元",
        "reporter_name": "张阿姨",
        "reporter_phone": "13700001111",
    },
    ("post", "/liaison/matters/{matter_id}/accept"): {"note": "已受理"},
    ("post", "/liaison/matters/{matter_id}/assign"): {"role_id": 2, "note": "请片长跟进"},
    ("post", "/liaison/matters/{matter_id}/state"): {"state": "in_progress", "note": "已联系物业", "public": True},
    ("post", "/liaison/matters/{matter_id}/merge"): {"into_id": MATTER_NEW, "note": "同一问题"},
    ("post", "/liaison/matters/{matter_id}/resolve"): {"households_benefited": 12, "note": "已更换灯具"},
    ("post", "/liaison/matters/{matter_id}/notes"): {"note": "已电话回访", "public": False},
    ("post", "/practice/themed-days"): {
        "organization_id": 3,
        "held_on": "2026-12-01",
        "lesson": "国家宪法日：学习宪法",
        "film": "《第二十条》",
        "practice": "法治宣传进小区",
    },
    ("patch", "/practice/themed-days/{themed_day_id}"): {"note": "补记观影人数"},
    ("post", "/practice/meetings"): {
        "organization_id": 3,
        "kind": "committee",
        "held_on": "2026-12-01",
        "place": "青山祠社区党群服务中心",
        "host": "张秀兰",
        "topic": "研究年度民主评议安排",
        "decisions": "12月中旬召开组织生活会",
        "marks": {"2": "present", "10": "present"},
    },
    ("patch", "/practice/meetings/{meeting_id}"): {"decisions": "讲稿存档，下季度由党员轮流主讲"},
    ("put", "/practice/meeting-rules/{year}"): {
        "themed_day": "month",
        "general": "quarter",
        "committee": "month",
        "group": "month",
        "lesson": "quarter",
        "life": "year",
    },
    # Frontline projects and mentorships (dates around the demo's today, 2026-12-07).
    ("post", "/practice/projects"): {
        "organization_id": 8,
        "name": "赤岭路社区适老化改造",
        "description": "为赤岭路社区 30 户高龄老人家庭加装扶手、防滑地面",
        "lead_id": 7,
        "starts_on": "2026-12-01",
        "ends_on": "2027-06-30",
    },
    ("patch", "/practice/projects/{project_id}"): {"description": "天剑社区中化地勘院宿舍片区棚户区改造征收，学员干部下沉一线。"},
    ("post", "/practice/projects/{project_id}/phases"): {
        "name": "回迁安置",
        "starts_on": "2027-01-20",
        "ends_on": "2027-02-04",
        "status": "planned",
    },
    ("put", "/practice/phases/{phase_id}"): {
        "name": "签约征收",
        "starts_on": "2026-08-10",
        "ends_on": "2026-12-27",
        "status": "in_progress",
    },
    ("post", "/practice/projects/{project_id}/trainees"): {
        "member_id": 7,
        "role": "群众工作组",
        "starts_on": "2026-12-07",
        "ends_on": "2027-02-04",
    },
    ("post", "/practice/trainees/{trainee_id}/assessment"): {"grade": "good", "comment": "质量监督认真负责，记录完整。"},
    ("post", "/practice/projects/{project_id}/logs"): {"written_on": "2026-12-07", "text": "走访未签约住户 3 户，解答补偿方案疑问。"},
    ("post", "/practice/mentorships"): {
        "kind": "cadre",
        "organization_id": 14,
        "mentor_id": 9,
        "mentee_id": 7,
        "goals": "在签约一线学会政策解释和群众工作方法。",
        "starts_on": "2026-12-07",
        "project_id": 1,
    },
    ("patch", "/practice/mentorships/{mentorship_id}"): {"goals": "带领入户摸底和签约谈判，三个月内能独立完成签约前的政策解释。"},
    ("post", "/practice/mentorships/{mentorship_id}/meetings"): {
        "met_on": "2026-12-07",
        "minutes": "复盘本周签约情况，导师讲解补偿政策中的易错条款。",
        "notes": "",
    },
    ("post", "/practice/mentorships/{mentorship_id}/close"): {"grade": "excellent", "assessment": "结对目标全部达到，能独立承担签约工作。"},
    ("post", "/practice/service/activities"): {
        "organization_id": 3,
        "title": "楼道杂物清理",
        "kind": "environment",
        "starts_at": "2027-01-09T09:00:00+08:00",
        "ends_at": "2027-01-09T11:00:00+08:00",
        "place": "青山祠小区3栋",
        "signup_limit": 10,
        "description": "清理楼道堆放杂物，消除消防隐患",
    },
    ("patch", "/practice/service/activities/{activity_id}"): {"signup_limit": 20},
    ("post", "/practice/service/activities/{activity_id}/cancel"): {"reason": "天气原因，另行通知"},
    ("put", "/practice/service/activities/{activity_id}/presence"): {"member_ids": [7]},
    ("patch", "/practice/service/participants/{participant_id}"): {"minutes": 150, "note": "提前到场布置"},
    ("post", "/practice/service/queue/approve"): {"participant_ids": [521, 522]},
    ("post", "/practice/service/participants/{participant_id}/correction"): {"accept": True, "note": "同意"},
    ("post", "/me/service/participants/{participant_id}/correction"): {"minutes": 150, "reason": "活动结束后继续服务了半小时"},
    ("post", "/kiosks"): {"name": "源课堂大屏"},
    # 民主评议 (run in this order: open one for 青山祠社区第三党支部, close the open ballot, propose, decide)
    ("post", "/appraisals"): {"organization_id": 5, "year": 2026},
    ("post", "/appraisals/{appraisal_id}/proposals"): {"grades": [{"member_id": 3, "grade": "competent"}]},
    ("post", "/appraisals/{appraisal_id}/decision"): {
        "decided_on": "2026-12-07",
        "notes": "支部党员大会表决通过",
        "follow_up_deadline": "2027-03-01",
    },
    ("put", "/appraisal-follow-ups/{follow_up_id}"): {
        "plan": "由支部书记结对谈心，每月参加一次组织生活",
        "deadline": "2027-03-01",
        "reviewed_on": None,
        "outcome": "",
        "outcome_notes": "",
    },
    ("put", "/me/appraisals/{appraisal_id}/self-assessment"): {"text": "本年度按时参加组织生活，完成学时要求。"},
    ("post", "/me/appraisals/{appraisal_id}/ballot"): {"marks": [{"member_id": 3, "grade": "competent"}]},
    ("put", "/notifications/preferences"): {
        "channels": {"session_reminder": ["sms"], "session_changed": ["sms", "email"], "teacher_term": ["email", "wecom"]},
        "quiet_enabled": True,
        "quiet_start": "22:00:00",
        "quiet_end": "07:00:00",
    },
    ("put", "/notifications/robots/{org_id}"): {
        "webhook_url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7aoc-4bc4-97a0-0ec2sifa5aaa",
        "enabled": True,
    },
}
