# Django's zh_Hans formats pad the month (08月9日); the programme books print 8 月 9 日.
DATE_FORMAT = "Y年n月j日"
MONTH_DAY_FORMAT = "n月j日"
