from .navigation import nav_html


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_html": ""}
    return {"nav_html": nav_html(user, request.path)}
