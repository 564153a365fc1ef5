from django.urls import path

from tereze.centres import views

urlpatterns = [
    path("centres/<int:centre_id>/kiosk/", views.kiosk, name="queue-kiosk"),
    path("centres/<int:centre_id>/board/", views.board, name="queue-board"),
    path("queue/t/<str:code>/", views.ticket_status, name="queue-ticket-status"),
    path("centres/<int:centre_id>/book/", views.book, name="queue-book"),
    path("queue/mine/", views.my_queue, name="queue-mine"),
    path("staff/queue-home/", views.queue_home, name="queue-home"),
    path("staff/counter/", views.console, name="queue-console"),
    path("staff/centre/", views.manager, name="queue-manager"),
    path("staff/situation/", views.situation, name="queue-situation"),
]
