"""Pages of the competitions: races, a season's boards, a participant's breakdown with the
records behind each value, history of ranks, manual entries with approval, setup, the notice."""

from zuofeng.races.views.boards import (  # noqa: F401
    board,
    compute,
    history,
    participant,
    publish,
    race_detail,
    race_list,
    records,
)
from zuofeng.races.views.entries import entries, entry_decide, entry_file  # noqa: F401
from zuofeng.races.views.files import notice_docx, results_xlsx  # noqa: F401
from zuofeng.races.views.setup import board_edit, race_new, season_new  # noqa: F401
