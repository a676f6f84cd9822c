"""The evaluation page behind a participant's private link."""

from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods

from common.ratelimit import rate_limit
from registrations.tokens import registration_for_token
from sessions_app.outcomes.evaluation import answers


@require_http_methods(["GET", "POST"])
@cache_control(private=True, no_store=True)
@rate_limit("token", setting="TOKEN_RATE_LIMIT")
def evaluation_form(request, token):
    registration = registration_for_token(token)
    questionnaire = answers.questionnaire_for(registration.session)
    context = {"registration": registration, "session": registration.session, "questionnaire": questionnaire}
    if not answers.may_answer(registration=registration, questionnaire=questionnaire):
        return _private(render(request, "sessions_app/evaluation_closed.html", context, status=404))
    if answers.has_answered(registration=registration, questionnaire=questionnaire):
        status = 409 if request.method == "POST" else 200
        return _private(render(request, "sessions_app/evaluation_thanks.html", context, status=status))
    form = answers.EvaluationForm(request.POST or None, questionnaire=questionnaire)
    if request.method == "POST" and form.is_valid():
        try:
            answers.record_answers(
                registration=registration,
                questionnaire=questionnaire,
                cleaned_data=form.cleaned_data,
                language=get_language(),
            )
        except answers.AlreadyAnswered:
            return _private(render(request, "sessions_app/evaluation_thanks.html", context, status=409))
        context["just_answered"] = True
        return _private(render(request, "sessions_app/evaluation_thanks.html", context))
    context["form"] = form
    status = 400 if request.method == "POST" else 200
    return _private(render(request, "sessions_app/evaluation_form.html", context, status=status))


def _private(response):
    # Not indexed. The site's same-origin Referrer-Policy stays: with "no-referrer" the browser
    # would send "Origin: null" with the form, and Django's CSRF check would refuse it.
    response["X-Robots-Tag"] = "noindex"
    return response
