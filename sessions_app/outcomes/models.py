"""The outcomes wing's own tables, defined in the sub-package of their concern."""

from sessions_app.outcomes.evaluation.models import (  # noqa: F401 - re-exported for Django's model registry
    Answer,
    Choice,
    EvaluationInvitation,
    EvaluationResponse,
    Question,
    Questionnaire,
)
from sessions_app.outcomes.presentations.models import Presentation, UploadLink  # noqa: F401
