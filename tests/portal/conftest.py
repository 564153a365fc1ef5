import pytest


@pytest.fixture(autouse=True)
def _english(settings) -> None:
    """Assertions read the English source texts; the kk/ru catalogues translate them for users."""
    settings.LANGUAGE_CODE = "en"
