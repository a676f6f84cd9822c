# Brazilian Portuguese writes dates as Spanish does here ("10 de maio de 2023", 24-hour clock), with
# month and weekday names in lower case (our catalogue gives them so: Django's own capitalises
# them); only the week starts on Sunday.
from copolad_wg.formats.es.formats import *  # noqa: F403 - the same formats, one difference below

FIRST_DAY_OF_WEEK = 0
