from vrijwilligers.views import allowances, attendance, hours, planning, volunteers

app_name = "vrijwilligers"

urlpatterns = volunteers.urlpatterns
urlpatterns += planning.urlpatterns
urlpatterns += attendance.urlpatterns
urlpatterns += hours.urlpatterns
urlpatterns += allowances.urlpatterns
