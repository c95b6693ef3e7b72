"""Demo data for anonymous feedback: the channel ``/f/demo`` of a Thai partner that serves
migrants from Myanmar, Cambodia, Laos and Bangladesh, a staff channel of the Thai project, a
Nepali channel, some six months of feedback in several languages (some answered, some sent on
paper, one about a staff member's conduct, one spam), actions taken because of it, and a
safeguarding officer at the implementer.

Everything goes through ``ctip.feedback.services``, then the dates are moved into the past (the
services date everything today). Two receipts are fixed and published for trying the sender's
side (they are ordinary codes whose hashes alone are stored, like any other):

- ``2026 0115 0000 0011``: an answered conversation on /f/demo (the sender wrote back);
- ``2026 0115 0000 0022``: a paper sheet, entered by a clerk, answered.

Only `core` and `feedback` are imported here: the demo of feedback, like feedback itself, cannot
reach a survivor's record.
"""

import datetime as dt
import random
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from ctip.core.audit import Origin
from ctip.core.models import Organisation, Role, User
from ctip.core.services import user_create
from ctip.feedback import receipts, texts
from ctip.feedback.models import (
    Feedback,
    FeedbackEvent,
    FeedbackMessage,
    PaperSheet,
    RateCounter,
)
from ctip.feedback.selectors import SAFEGUARDING_GROUP
from ctip.feedback.services import (
    action_create,
    channel_create,
    feedback_enter_paper,
    feedback_escalate,
    feedback_mark_spam,
    feedback_note_add,
    feedback_reply,
    feedback_set_status,
    feedback_submit,
    paper_sheets_print,
    sender_write_back,
)

SEED = 20260115
DEMO_CHANNEL = "demo"
DEMO_RECEIPT = "2026011500000011"
DEMO_PAPER_RECEIPT = "2026011500000022"
SAFEGUARDING_USERNAME = "safeguarding"
BULK_ITEMS = 160
HISTORY_DAYS = 180

THANKS = {
    "th": "ขอบคุณที่บอกเรา ทีมงานได้หารือเรื่องนี้ในการประชุมแล้ว",
    "my": "ပြောပြပေးလို့ ကျေးဇူးတင်ပါတယ်။ အဖွဲ့အစည်းအဝေးမှာ ဆွေးနွေးပြီးပါပြီ။",
    "km": "អរគុណដែលបានប្រាប់យើង។ ក្រុមការងារបានពិភាក្សារឿងនេះក្នុងកិច្ចប្រជុំហើយ។",
    "lo": "ຂອບໃຈທີ່ບອກພວກເຮົາ. ທີມງານໄດ້ປຶກສາເລື່ອງນີ້ໃນກອງປະຊຸມແລ້ວ.",
    "bn": "আমাদের জানানোর জন্য ধন্যবাদ। দলটি সভায় বিষয়টি আলোচনা করেছে।",
    "ne": "हामीलाई बताउनुभएकोमा धन्यवाद। टोलीले बैठकमा यसबारे छलफल गर्‍यो।",
    "en": "Thank you for telling us. The team discussed it at its meeting.",
}


@dataclass(frozen=True)
class Story:
    """One hand-written piece of feedback and what became of it."""

    channel: str
    language: str
    days_ago: int
    body: str
    themes: tuple[str, ...]
    satisfaction: int | None = None
    answers: tuple[tuple[str, str], ...] = ()
    reply: str = ""
    close: bool = False
    write_back: str = ""
    safeguarding: bool = False
    paper: bool = False
    note: str = ""
    action: str = ""  # key of ACTIONS
    receipt: str = ""  # a published demo receipt


STORIES: tuple[Story, ...] = (
    Story("demo", "th", 64, "ห้องพักที่ศูนย์ร้อนมาก พัดลมเสียมาสองสัปดาห์แล้ว", ("shelter",), 2,
          (("safe", "yes"), ("needs_met", "partly")),
          reply="ขอบคุณที่บอกเรา เราซ่อมพัดลมแล้วและเพิ่มพัดลมอีกสองตัวในห้องพัก", close=True,
          write_back="พัดลมใหม่ดีมาก ขอบคุณค่ะ", action="fans", receipt=DEMO_RECEIPT),
    Story("demo", "my", 58, "ဘာသာပြန်သူ မရှိလို့ ဆရာဝန်ပြောတာ နားမလည်ခဲ့ပါ", ("health", "information"),
          2, (("informed", "no"),),
          reply="ကျေးဇူးတင်ပါတယ်။ အခု ဆေးခန်းသွားတိုင်း ဘာသာပြန်သူ ပါလာပါမယ်။", close=True,
          action="interpreter"),
    Story("demo", "my", 41, "ဆေးခန်းမှာ မြန်မာစကားပြန် မရှိပါ။ ဆေးဘယ်လိုသောက်ရမလဲ မသိပါ", ("health",), 1,
          reply="ကျေးဇူးတင်ပါတယ်။ အခု ဆေးခန်းသွားတိုင်း ဘာသာပြန်သူ ပါလာပါမယ်။", close=True,
          action="interpreter"),
    Story("demo", "km", 35, "អាហារមិនគ្រប់គ្រាន់ទេ ជាពិសេសពេលល្ងាច", ("shelter",), 2,
          reply="យើងបានបន្ថែមអាហារពេលល្ងាចហើយ។ សូមអរគុណ។", close=True, action="meals"),
    Story("demo", "km", 20, "ខ្ញុំចង់ដឹងថាពេលណាខ្ញុំអាចទៅផ្ទះវិញ", ("family_return", "information"), 3,
          reply="បុគ្គលិកករណីរបស់អ្នកនឹងពន្យល់ជំហាននៃការត្រឡប់ទៅផ្ទះនៅសប្តាហ៍នេះ។"),
    Story("demo", "lo", 27, "ຂໍຂອບໃຈທີ່ຊ່ວຍເຫຼືອ ແຕ່ຢາກໄດ້ວຽກເຮັດໄວໆ", ("livelihood",), 4,
          (("respect", "yes"), ("recommend", "yes"))),
    Story("demo", "bn", 16, "কাজের মালিক এখনও বেতন দেয়নি, আইনি সাহায্য দরকার", ("legal",), 2,
          (("needs_met", "no"),), note="Refer to the legal aid clinic (labour court)."),
    Story("demo", "th", 12, "เจ้าหน้าที่อธิบายเรื่องคดีไม่ชัดเจน ฉันไม่รู้ว่าต้องรออีกนานเท่าไร",
          ("legal", "information"), 2, (("informed", "no"),),
          reply="ขอโทษที่อธิบายไม่ชัด เจ้าหน้าที่กฎหมายจะนัดพบทุกวันอังคารเพื่ออธิบายความคืบหน้าของคดี",
          close=True, action="legal_tuesdays"),
    Story("demo", "th", 9, "อยากเรียนทำอาหาร ไม่ใช่เย็บผ้า", ("livelihood",), 3),
    Story("demo", "en", 7, "Nobody told me that my case was sent to the police.",
          ("information", "respect"), 2, (("informed", "no"), ("respect", "partly"))),
    Story("demo", "th", 5, "เจ้าหน้าที่คนหนึ่งขอเงินก่อนจะช่วยทำเอกสาร", ("legal",), 1,
          safeguarding=True),
    Story("demo", "th", 3, "ขอบคุณที่ช่วยเรื่องเอกสาร ตอนนี้ฉันได้บัตรแล้ว", ("legal",), 5,
          (("respect", "yes"), ("recommend", "yes"))),
    Story("demo", "th", 30, "ห้องน้ำหญิงล็อกไม่ได้ กลางคืนรู้สึกไม่ปลอดภัย", ("safety", "shelter"), 1,
          (("safe", "no"),), reply="เราเปลี่ยนกลอนประตูห้องน้ำแล้วค่ะ ขอบคุณที่แจ้ง",
          close=True, paper=True, receipt=DEMO_PAPER_RECEIPT),
    Story("demo", "my", 22, "စာရွက်ဖြင့် ရေးပါသည်။ အလုပ်သင်တန်း ကောင်းပါတယ်", ("livelihood",), 5,
          paper=True),
    Story("demo", "km", 18, "", ("shelter",), 3, (("safe", "partly"),), paper=True),
    Story("demo", "th", 2, "", ("health",), 4, paper=True),
    Story("th-staff", "en", 40, "Targets for services are too high for three case workers; we "
          "count sessions instead of helping people well.", ("project_design",), 2,
          (("workload", "no"), ("raise_problems", "partly")),
          reply="Thank you. The targets are on the agenda of the next pause-and-reflect session.",
          action="targets"),
    Story("th-staff", "th", 25, "พาร์ทเนอร์ไม่ได้รับการปรึกษาก่อนเปลี่ยนแผนโครงการ", ("project_design",), 2,
          (("listened_to", "no"),)),
    Story("np-voice", "ne", 33, "आश्रयमा सुरक्षित महसुस भयो, धन्यवाद", ("safety", "shelter"), 5,
          (("safe", "yes"),), reply=THANKS["ne"], close=True),
    Story("np-voice", "ne", 14, "कानुनी सहयोगका लागि धेरै पटक काठमाडौं जानुपर्छ, खर्च धेरै लाग्छ",
          ("legal",), 2, (("needs_met", "partly"),)),
)  # fmt: skip

ACTIONS = {
    "fans": ("Fans repaired and two more added in the Ranong dormitory", "service_change", 60),
    "interpreter": ("An interpreter goes with every clinic visit", "service_change", 38),
    "meals": ("An evening meal added at the shelter", "service_change", 30),
    "legal_tuesdays": ("Weekly case updates with the legal officer, on Tuesdays", "decision", 8),
    "targets": ("Service targets reviewed at pause and reflect", "design", 20),
}


@dataclass(frozen=True)
class FeedbackDemoSummary:
    channels: int
    feedback: int
    paper: int
    answered: int


def _origin(user: User | None) -> Origin:
    return Origin(user=user, source="cli: demo")


def _channels(origin: Origin) -> dict:
    org = {o.code: o for o in Organisation.objects.filter(code__in=["th-amrf", "th", "np-ksmc"])}
    demo = channel_create(
        origin=origin,
        organisation=org["th-amrf"],
        slug=DEMO_CHANNEL,
        name="Andaman Migrant Rights Foundation: tell us what you think",
        audience="beneficiaries",
        languages=["th", "my", "km", "lo", "bn", "en"],
        rate_limit_per_minute=600,
    )
    staff = channel_create(
        origin=origin,
        organisation=org["th"],
        slug="th-staff",
        name="Thailand project: staff and partner voice",
        audience="staff",
        languages=["th", "en", "my"],
        rate_limit_per_minute=600,
    )
    nepal = channel_create(
        origin=origin,
        organisation=org["np-ksmc"],
        slug="np-voice",
        name="Kathmandu Safe Migration Centre feedback",
        audience="beneficiaries",
        languages=["ne", "en", "bn"],
        rate_limit_per_minute=600,
    )
    return {"demo": demo, "th-staff": staff, "np-voice": nepal}


def _backdate(item: Feedback, received: dt.date, acted: dt.date) -> None:
    """Move an item's days into the past: the services dated everything today."""
    today = timezone.localdate()
    acted = min(max(acted, received), today)
    Feedback.objects.filter(pk=item.pk).update(received_on=received)
    if item.acknowledged_on or Feedback.objects.get(pk=item.pk).acknowledged_on:
        Feedback.objects.filter(pk=item.pk).update(acknowledged_on=acted)
    if Feedback.objects.filter(pk=item.pk, closed_on__isnull=False).exists():
        Feedback.objects.filter(pk=item.pk).update(closed_on=acted)
    FeedbackMessage.objects.filter(feedback=item).update(sent_on=acted)
    FeedbackEvent.objects.filter(feedback=item).update(on=acted)


def _publish_receipt(item: Feedback, code: str) -> None:
    Feedback.objects.filter(pk=item.pk).update(receipt_hash=receipts.code_hash(code))


def build_demo_feedback(
    *, origin: Origin | None = None, password: str, seed: int = SEED
) -> FeedbackDemoSummary:
    """Channels, feedback and actions for the demo (call after the demo users exist)."""
    rng = random.Random(seed)  # noqa: S311  (reproducible demo data, not secrets)
    origin = origin or _origin(None)
    today = timezone.localdate()
    users = {u.username: u for u in User.objects.filter(username__in=["manager", "meofficer"])}
    manager = _origin(users.get("manager"))
    with transaction.atomic():
        channels = _channels(origin)
        officer = user_create(
            origin=origin,
            username=SAFEGUARDING_USERNAME,
            password=password,
            role=Role.DONOR,
            organisation=Organisation.objects.get(code="mekong"),
            first_name="Mei",
            last_name="Lin",
            email=f"{SAFEGUARDING_USERNAME}@demo.invalid",
        )
        officer.groups.add(Group.objects.get_or_create(name=SAFEGUARDING_GROUP)[0])
        safeguarding = _origin(officer)
        made: dict[str, list[Feedback]] = {}
        answered = paper = 0
        batch, paper_codes = paper_sheets_print(
            origin=manager, channel=channels["demo"], count=12, language="th"
        )
        for story in STORIES:
            channel = channels[story.channel]
            received = today - dt.timedelta(days=story.days_ago)
            if story.paper:
                code = paper_codes.pop()
                if story.receipt:  # the published code takes the place of a printed one
                    PaperSheet.objects.filter(receipt_hash=receipts.code_hash(code)).update(
                        receipt_hash=receipts.code_hash(story.receipt)
                    )
                    code = story.receipt
                sheet = PaperSheet.objects.get(receipt_hash=receipts.code_hash(code))
                item = feedback_enter_paper(
                    origin=_origin(users.get("meofficer")),
                    sheet=sheet,
                    received_on=received,
                    language=story.language,
                    satisfaction=story.satisfaction,
                    answers=dict(story.answers),
                    themes=story.themes,
                    body=story.body,
                )
                paper += 1
            else:
                item = feedback_submit(
                    channel=channel,
                    language=story.language,
                    satisfaction=story.satisfaction,
                    answers=dict(story.answers),
                    themes=story.themes,
                    body=story.body,
                    safeguarding=story.safeguarding,
                ).feedback
                if story.receipt:
                    _publish_receipt(item, story.receipt)
            staff = safeguarding if story.safeguarding else manager
            if story.reply:
                feedback_reply(origin=staff, feedback=item, body=story.reply, close=story.close)
                answered += 1
            elif story.days_ago > 10:
                feedback_set_status(origin=staff, feedback=item, status="acknowledged")
            if story.note:
                feedback_note_add(origin=staff, feedback=item, body=story.note)
            if story.write_back:
                sender_write_back(feedback=item, body=story.write_back)
            _backdate(item, received, received + dt.timedelta(days=rng.randint(1, 6)))
            if story.action:
                made.setdefault(story.action, []).append(item)
        for key, (title, kind, days_ago) in ACTIONS.items():
            if key in made:
                action_create(
                    origin=manager,
                    organisation=made[key][0].channel.organisation,
                    title=title,
                    kind=kind,
                    taken_on=today - dt.timedelta(days=days_ago),
                    feedback=made[key],
                )
        answered += _bulk(rng, channels, manager, today)
        spam = feedback_submit(
            channel=channels["demo"],
            language="en",
            body="Cheap loans!!! Visit our site for fast money",
        ).feedback
        feedback_mark_spam(origin=manager, feedback=spam, spam=True)
        # An escalated item: a manager sent it to the safeguarding team.
        escalated = feedback_submit(
            channel=channels["demo"],
            language="my",
            themes=("respect",),
            satisfaction=1,
            body="ညစောင့်က အော်ဟစ်ပြီး ခြိမ်းခြောက်ပါတယ်",
        ).feedback
        feedback_escalate(origin=manager, feedback=escalated)
        _backdate(escalated, today - dt.timedelta(days=4), today - dt.timedelta(days=3))
        RateCounter.objects.all().delete()  # the load's own counts mean nothing
    return FeedbackDemoSummary(
        channels=len(channels),
        feedback=Feedback.objects.count(),
        paper=paper,
        answered=answered,
    )


def _bulk(rng: random.Random, channels: dict, manager: Origin, today: dt.date) -> int:
    """Answers-only feedback over six months, so the dashboard has something to show."""
    answered = 0
    demo = channels["demo"]
    weights = {"th": 35, "my": 35, "km": 15, "lo": 8, "bn": 4, "en": 3}
    theme_weights = {
        "shelter": 20, "health": 14, "legal": 14, "livelihood": 18, "safety": 8, "respect": 10,
        "information": 12, "family_return": 10, "other": 4,
    }  # fmt: skip
    for _n in range(BULK_ITEMS):
        language = rng.choices(list(weights), weights=list(weights.values()))[0]
        count = rng.choice((1, 1, 1, 2))
        themes = set(
            rng.choices(list(theme_weights), weights=list(theme_weights.values()), k=count)
        )
        satisfaction = rng.choices((1, 2, 3, 4, 5), weights=(6, 12, 22, 35, 25))[0]
        answers = {
            q: rng.choices(texts.ANSWERS, weights=(60, 20, 15, 5))[0]
            for q in demo.questions
            if rng.random() < 0.6
        }
        item = feedback_submit(
            channel=demo,
            language=language,
            satisfaction=satisfaction,
            answers=answers,
            themes=themes,
        ).feedback
        days_ago = rng.randint(0, HISTORY_DAYS)
        received = today - dt.timedelta(days=days_ago)
        roll = rng.random()
        if days_ago > 3 and roll < 0.55:
            feedback_reply(origin=manager, feedback=item, body=THANKS[language], close=True)
            answered += 1
        elif days_ago > 3 and roll < 0.85:
            feedback_set_status(origin=manager, feedback=item, status="acknowledged")
        delay = rng.choice((1, 2, 3, 4, 6, 9, 14))
        _backdate(item, received, received + dt.timedelta(days=delay))
    return answered
