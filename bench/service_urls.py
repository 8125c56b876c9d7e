"""The application's URLs plus a minimal Django view (a CSRF-checked POST answering "ok"), the
baseline of the public submit endpoint's throughput."""

from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_protect


@csrf_protect
def minimal(request):
    return HttpResponse("ok")


urlpatterns = [path("bench/minimal/", minimal), path("", include("zuofeng.urls"))]
