from importlib.metadata import PackageNotFoundError, version


def _version() -> str:
    try:
        return version("finsync")
    except PackageNotFoundError:
        return "dev"


VERSION = _version()


def product(request):
    return {"finsync_version": VERSION}
