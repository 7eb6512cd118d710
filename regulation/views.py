"""The measures in the UI: the table of contents, one page per article, and a search."""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .inventory import INVENTORY, STATUS_LABELS
from .parser import measures, search


@require_GET
def index(request):
    return render(request, "regulation/index.html", {"measures": measures()})


@require_GET
def article(request, number: int):
    doc = measures()
    try:
        art = doc.article(number)
    except KeyError as exc:
        raise Http404(str(exc)) from exc
    chapter = next(c for c in doc.chapters if c.number == art.chapter)
    numbers = [a.number for a in doc.articles]
    i = numbers.index(number)
    context = {
        "measures": doc, "article": art, "chapter": chapter,
        "previous": numbers[i - 1] if i > 0 else None,
        "next": numbers[i + 1] if i + 1 < len(numbers) else None,
        "highlight_item": request.GET.get("item"),
        "coverage": INVENTORY[number], "coverage_label": STATUS_LABELS[INVENTORY[number].status],
    }
    return render(request, "regulation/article.html", context)


@require_GET
def search_view(request):
    query = request.GET.get("q", "").strip()[:100]
    results = search(query) if query else []
    return render(request, "regulation/search.html", {"query": query, "results": results})
