from django.urls import path

from portal.views import public

app_name = "public"
urlpatterns = [
    path("", public.listings, name="listings"),
    path("exits/", public.exits, name="exits"),
    path("records/<str:number>/", public.record, name="record"),
]
