"""gunicorn's settings for `make serve` and `make contract` (scripts/serve, scripts/contract.sh):
`gunicorn --config python:config.gunicorn_conf`.

Its logger redacts credentials (core.redaction): the access log's default format prints the
request line (`%(r)s`) and the Referer (`%(f)s`) with their query strings, and the error log
quotes a request line it cannot parse.
"""

from typing import Any

from gunicorn import glogging

from core.redaction import RedactCredentials

REDACT = RedactCredentials()


class RedactingLogger(glogging.Logger):  # type: ignore[misc]
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        # Logger.addFilter skips a filter it has: a reload (HUP) runs setup again.
        for log in (self.access_log, self.error_log):
            log.addFilter(REDACT)


logger_class = RedactingLogger
