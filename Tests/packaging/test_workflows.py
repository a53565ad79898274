"""The GitHub workflows cannot run here: they are checked against GitHub's workflow schema
(check-jsonschema's vendored copy) and every shell step, like scripts/package and the Debian
maintainer scripts, by shellcheck."""
import os
import shutil

import pytest
import yaml

from packages import ROOT, run

WORKFLOWS = [os.path.join(ROOT, ".github", "workflows", name) for name in ("ci.yml", "release.yml")]


def tool(name, how):
    if shutil.which(name) is None:
        pytest.fail(f"{name} is missing ({how}; scripts/setup --test installs it)")
    return name


def test_both_workflows_pass_the_schema():
    done = run(tool("check-jsonschema", "PyPI: check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *WORKFLOWS, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def shell_steps(path):
    """(job, step name, script, shell) for every `run:` step of a workflow."""
    workflow = yaml.safe_load(open(path))
    default = (workflow.get("defaults") or {}).get("run", {}).get("shell")
    for job_name, job in workflow["jobs"].items():
        job_default = (job.get("defaults") or {}).get("run", {}).get("shell", default)
        for number, step in enumerate(job.get("steps", [])):
            if "run" in step:
                yield job_name, step.get("name", f"step {number}"), step["run"], step.get("shell", job_default)


@pytest.mark.parametrize("path", WORKFLOWS, ids=os.path.basename)
def test_every_shell_step_passes_shellcheck(path, tmp_path):
    tool("shellcheck", "Debian: apt-get install shellcheck")
    steps = list(shell_steps(path))
    assert steps, f"{path} has no run: steps"
    for number, (job, name, script, shell) in enumerate(steps):
        # GitHub runs each step as `bash --noprofile --norc -eo pipefail {0}` when the shell is bash.
        assert shell == "bash", f"{job} / {name}: say `shell: bash` (the default in a container is sh)"
        # Expressions are passed through env:, never pasted into a script (no injection).
        assert "${{" not in script, f"{job} / {name}: use env: for ${{{{ }}}} values"
        step_file = tmp_path / f"{number}.sh"
        step_file.write_text("#!/usr/bin/env bash\nset -eo pipefail\n" + script)
        done = run("shellcheck", "--shell=bash", str(step_file), check=False)
        assert done.returncode == 0, f"{job} / {name}:\n{done.stdout}"


@pytest.mark.parametrize("script", ["scripts/package", "scripts/test", "scripts/setup",
                                    "packaging/deb/postinst", "packaging/deb/prerm", "packaging/deb/postrm"])
def test_the_packaging_scripts_pass_shellcheck(script):
    tool("shellcheck", "Debian: apt-get install shellcheck")
    done = run("shellcheck", os.path.join(ROOT, script), check=False)
    assert done.returncode == 0, done.stdout
