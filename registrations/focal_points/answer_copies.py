"""A copy of the country's submitted answers, e-mailed to the focal point who submitted them.

The answers cannot be changed once submitted: the copy is the focal point's record of what their
country said, in the language they used the portal in. One copy per submission (the outbox key
names the contribution and its submission time), so a retry or a double click sends it once.
"""

from django.utils import translation

from common.links import absolute_reverse
from common.timezones import format_when
from registrations.focal_points.answers import contribution_with_answers
from registrations.focal_points.times import focal_point_zone
from registrations.outbox.queueing import queue_email


def send_answers_copy(*, contribution, focal_point, language=None):
    """Queue the copy to the focal point's address. Returns the Delivery."""
    language = language or translation.get_language() or "en"
    user = focal_point.user
    with translation.override(language):
        full = contribution_with_answers(session=contribution.session, country=contribution.country)
        answers = [(question.text, answer.text) for question, answer in full.ordered]
        context = {
            "user": user,
            "session": contribution.session,
            "session_title": str(contribution.session.title),
            "country_name": str(contribution.country.name),
            "answers": answers,
            "submitted_when": format_when(
                contribution.submitted_at, None, focal_point_zone(focal_point) or "UTC", capitalise=False
            ),
            "page_url": absolute_reverse(
                "focal_points:contribution_edit", kwargs={"slug": contribution.session.slug}, language=language
            ),
        }
    stamp = contribution.submitted_at.strftime("%Y%m%dT%H%M%S")
    return queue_email(
        key=f"contribution-copy:{contribution.pk}:{stamp}",
        kind="contribution_copy",
        to_email=user.email,
        language=language,
        template="contribution_copy",
        context=context,
    )
