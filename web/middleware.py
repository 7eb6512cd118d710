"""Web-page answers to failures the database reports while an action is under way.

PostgreSQL ends one of two transactions that wait for each other's row locks (deadlock, SQLSTATE 40P01) or that
cannot be serialised (40001). That transaction has already rolled back completely when the exception leaves the
service, so the user is told that nothing was changed and to try again, with 409, instead of the generic 500 page.
The API answers the same in api/errors.py.
"""

import logging

from django.db import OperationalError
from django.http import HttpResponse
from django.template import loader

from api.errors import CONFLICT_MESSAGE, is_concurrency_conflict

logger = logging.getLogger("zwxm.errors")


class ConcurrencyConflictMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError) or not is_concurrency_conflict(exception):
            return None
        logger.warning("concurrency conflict on %s %s (request %s): %s", request.method, request.path,
                       getattr(request, "request_id", "-"), exception)
        if request.path.startswith("/api/"):
            return None  # django-ninja's handler answers the API (api/errors.py)
        html = loader.get_template("409.html").render({"message": CONFLICT_MESSAGE}, request)
        response = HttpResponse(html, status=409)
        if getattr(request, "htmx", False):
            # htmx swaps nothing on an error status by default; retarget so the message is shown.
            response["HX-Retarget"] = "body"
            response["HX-Reswap"] = "innerHTML"
        return response
