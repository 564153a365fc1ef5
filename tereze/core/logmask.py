"""Keep personal data out of application logs: IINs/BINs and phone numbers are masked."""

import logging
import re

from tereze.core.identity import mask

IDENTITY_OR_PHONE = re.compile(r"(?<!\d)(\+?7[\s-]?\d{3}[\s-]?\d{3}[\s-]?\d{2}[\s-]?\d{2}|\d{12})(?!\d)")


def mask_text(text: str) -> str:
    return IDENTITY_OR_PHONE.sub(lambda m: mask(re.sub(r"\D", "", m.group(0))), text)


class MaskPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        # A traceback (an exception's message) can carry an IIN too: format it once, masked; every
        # formatter then reuses this text instead of formatting the exception again.
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True
