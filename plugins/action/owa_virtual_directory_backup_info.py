# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import typing as t

from ansible_collections.exchange.owa_im.plugins.module_utils.option_specs import OWA_VIRTUAL_DIRECTORY_BACKUP_INFO_SPEC
from ansible_collections.exchange.owa_im.plugins.plugin_utils import _query, _server_state
from ansible_collections.exchange.owa_im.plugins.plugin_utils._action import ExchangeActionBase, ExchangeFailure
from ansible_collections.exchange.owa_im.plugins.plugin_utils._records import indexed

# A backup is a few hundred bytes; these bounds keep a folder someone filled from costing the controller.
MAX_FILES_LIMIT = 5000
MAX_BYTES_LIMIT = 1024 * 1024


class ActionModule(ExchangeActionBase):
    argument_spec = OWA_VIRTUAL_DIRECTORY_BACKUP_INFO_SPEC

    def manage(self, params: t.Dict[str, t.Any]) -> t.Dict[str, t.Any]:
        query = _query.compile_query(params.get("query"))
        if not 1 <= params["max_files"] <= MAX_FILES_LIMIT:
            raise ExchangeFailure("max_files must be between 1 and %d; got %d." % (MAX_FILES_LIMIT, params["max_files"]))
        if not 256 <= params["max_bytes"] <= MAX_BYTES_LIMIT:
            raise ExchangeFailure("max_bytes must be between 256 and %d; got %d." % (MAX_BYTES_LIMIT, params["max_bytes"]))
        records = self.run_exchange_script("owa_virtual_directory_backups", {
            "MaxFiles": params["max_files"], "MaxBytes": params["max_bytes"], "Folders": list(_server_state.BACKUP_FOLDERS)})
        host = self.backup_host()
        backups, refused = _server_state.read_backups(records, indexed(records, "file"), host, params["max_bytes"])
        result: t.Dict[str, t.Any] = {
            "changed": False,
            "server": (records.get("server") or {}).get("name"),
            "backups": backups,
            "refused": refused,
            "files_on_server": int((records.get("listing") or {}).get("count") or 0),
        }
        if refused:
            result["warnings"] = ["%s: %d backup file(s) refused, never restored: %s" % (
                result["server"], len(refused), "; ".join("%s\\%s (%s)" % (r["folder"], r["file"], r["reason"]) for r in refused[:5]))]
        return _query.with_query_result(result, query)
