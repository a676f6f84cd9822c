from django.urls import path

from common import pagecache

from . import views
from .feeds import PublicationsFeed

app_name = "discovery"

urlpatterns = [
    path("search/", views.search, name="search"),
    path("feed.atom", pagecache.cached_page(depends=(pagecache.CONTENT,))(PublicationsFeed()), name="feed"),
]
