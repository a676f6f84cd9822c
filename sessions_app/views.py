from django.http import HttpResponse


def home(request):
    return HttpResponse("")


def session_detail(request, slug):
    return HttpResponse("")


def session_calendar(request, slug):
    return HttpResponse("")
