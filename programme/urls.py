from django.urls import path

from programme import views

app_name = "programme"

urlpatterns = [
    path("", views.LatestConferenceView.as_view(), name="latest"),
    path("<int:year>/", views.ConferenceHomeView.as_view(), name="conference-home"),
    path(
        "<int:year>/sessions/<str:code>/",
        views.SessionDetailView.as_view(),
        name="session-detail",
    ),
    path("<int:year>/talks/<str:code>/", views.TalkDetailView.as_view(), name="talk-detail"),
    path("people/<slug:slug>/", views.PersonDetailView.as_view(), name="person-detail"),
]
