"""The packages scripts/package made, as fixtures; a missing one fails the test that needs it."""
import shutil

import pytest

from packages import PODMAN, artefact, run

@pytest.fixture(scope="session")
def tarball():
    return artefact("whs-{version}-linux-{arch}.tar.gz", "the tarball")


@pytest.fixture(scope="session")
def debug_tarball():
    return artefact("whs-{version}-linux-{arch}-debug.tar.gz", "the debug information")


@pytest.fixture(scope="session")
def deb():
    return artefact("whs_*_*.deb", "the Debian package")


@pytest.fixture(scope="session")
def image():
    """The image's name and id from dist/whs-VERSION-linux-ARCH.image, checked to be in podman's store."""
    if shutil.which("podman") is None:
        pytest.fail("podman is missing (Debian: apt-get install podman runc; scripts/setup --test installs it)")
    fields = dict(line.split(" ", 1) for line in open(artefact("whs-{version}-linux-{arch}.image", "the image's name")).read().splitlines())
    inspected = run(*PODMAN, "image", "inspect", "--format", "{{.Id}}", fields["name"], check=False)
    if inspected.returncode != 0 or inspected.stdout.strip() != fields["id"]:
        pytest.fail(f"the image {fields['name']} ({fields['id'][:12]}) that scripts/package built is not in podman's store: run scripts/package again")
    return fields
