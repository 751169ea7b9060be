from vrijwilligers.views import (
    allowances,
    attendance,
    calendar,
    hours,
    planning,
    shifts,
    volunteers,
)

app_name = "vrijwilligers"

urlpatterns = volunteers.urlpatterns
urlpatterns += shifts.urlpatterns
urlpatterns += planning.urlpatterns
urlpatterns += attendance.urlpatterns
urlpatterns += hours.urlpatterns
urlpatterns += allowances.urlpatterns
urlpatterns += calendar.urlpatterns
