"""Offline proof that infra/ is valid Terraform for the AWS provider it pins (issue 8).

No provider can be downloaded here, so `terraform validate` cannot run. These tests make its checks
against the provider's schema vendored in infra/.provider-schema/ (see PROVENANCE.md there), plus
`terraform fmt` when a terraform binary is on PATH and checkov from the tools venv (.venv-tools,
made by `make test`). The fixture tests at the end prove each check fails when it should.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.infra.terraform_model import (
    INFRA,
    ROOT,
    SCHEMA_DIR,
    Module,
    ProviderSchema,
    Report,
    check_tree,
    load_modules,
    satisfies,
    types_used,
)

REGENERATE = ".venv/bin/python scripts/vendor_provider_schema.py"
CHECKOV = Path(os.environ.get("CHECKOV", ROOT / ".venv-tools" / "bin" / "checkov"))
# `#checkov:skip=CKV_AWS_18:reason` (checkov's own pattern, checkov/common/comment/enum.py).
SKIP_COMMENT = re.compile(r"(?:checkov|bridgecrew):skip=\s*([A-Za-z_\d]+)(?::([^\n]*))?")
NO_REASON = "No comment provided"  # what checkov records for a skip without a reason


@pytest.fixture(scope="module")
def schema() -> ProviderSchema:
    return ProviderSchema.load(SCHEMA_DIR)


@pytest.fixture(scope="module")
def modules() -> dict[Path, Module]:
    return load_modules(INFRA)


@pytest.fixture(scope="module")
def report(schema: ProviderSchema) -> Report:
    return check_tree(INFRA, schema)


def test_infra_exists_and_reads(modules: dict[Path, Module]) -> None:
    # GIVEN infra/ WHEN parsed THEN the root and its three modules are there, with resources
    names = {path.name for path in modules}
    assert {"infra", "identity", "control_plane", "admin_api"} <= names
    assert sum(len(module.resources) for module in modules.values()) > 20


# --- terraform fmt ------------------------------------------------------------------------------


def terraform_fmt(directory: Path) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("terraform")
    if binary is None:
        pytest.skip(
            "CHECK NOT RUN: `terraform fmt -check -recursive -diff infra` needs a terraform binary "
            "on PATH and there is none (no package registry ships one). Every other infra check "
            "ran without it."
        )
    return subprocess.run(
        [binary, "fmt", "-check", "-recursive", "-diff", str(directory)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "TF_CLI_CONFIG_FILE": os.devnull, "CHECKPOINT_DISABLE": "1"},
        timeout=60,
    )


def test_terraform_fmt_is_clean() -> None:
    result = terraform_fmt(INFRA)
    assert result.returncode == 0, (
        f"terraform fmt would change these files (run `terraform fmt -recursive infra`):\n"
        f"{result.stdout}{result.stderr}"
    )


def test_terraform_fmt_check_fails_on_unformatted_file(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('variable "x" {\ntype=string\n}\n')
    result = terraform_fmt(tmp_path)
    assert result.returncode != 0
    assert "main.tf" in result.stdout


# --- The provider schema ------------------------------------------------------------------------


def test_every_block_matches_the_provider_schema(report: Report) -> None:
    assert not report.by_check["schema"], "\n" + report.render("schema")


def test_every_reference_resolves(report: Report) -> None:
    assert not report.by_check["references"], "\n" + report.render("references")


def test_every_module_call_passes_exactly_the_module_variables(report: Report) -> None:
    assert not report.by_check["module calls"], "\n" + report.render("module calls")


def test_every_variable_and_output_is_documented(report: Report) -> None:
    assert not report.by_check["declarations"], "\n" + report.render("declarations")


def test_vendored_schema_holds_exactly_the_types_infra_uses(
    modules: dict[Path, Module], schema: ProviderSchema
) -> None:
    used = types_used(modules.values())
    vendored = set(schema.resources) | {f"data.{name}" for name in schema.data_sources}
    assert used == vendored, (
        f"infra/.provider-schema is not current: missing {sorted(used - vendored)}, "
        f"unused {sorted(vendored - used)}. Regenerate with `{REGENERATE}`."
    )


def test_vendor_script_finds_the_same_types_as_the_checker(modules: dict[Path, Module]) -> None:
    # The script finds types with a regex (it needs nothing but the standard library); it must
    # find what the parser finds, or a regeneration would leave types out.
    spec = importlib.util.spec_from_file_location(
        "vendor_provider_schema", ROOT / "scripts" / "vendor_provider_schema.py"
    )
    assert spec is not None
    assert spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = script  # dataclasses look their module up there
    spec.loader.exec_module(script)
    found = {
        name.replace("resource:", "").replace("data:", "data.")
        for name in script.types_in_infra(INFRA)
    }
    assert found == types_used(modules.values())


def test_vendored_schema_file_is_as_generated(schema: ProviderSchema) -> None:
    # GIVEN the vendored file WHEN read THEN it is in the generator's canonical form (not edited
    # by hand) and its provenance names the same provider version and the wheel's hash
    path = SCHEMA_DIR / f"aws-{schema.version}.json"
    text = path.read_text()
    assert text == json.dumps(json.loads(text), indent=1, sort_keys=True) + "\n"
    provenance = (SCHEMA_DIR / "PROVENANCE.md").read_text()
    assert f"**{schema.version}**" in provenance
    assert re.search(r"Wheel sha256 \| `[0-9a-f]{64}`", provenance)


def test_vendored_schema_agrees_with_the_provider_documentation(schema: ProviderSchema) -> None:
    # Facts from the hashicorp/aws 6.x documentation: if the extraction drifts, these move.
    lambda_function = schema.resources["aws_lambda_function"]
    assert lambda_function["attributes"]["function_name"] == {"type": "string", "required": True}
    assert lambda_function["attributes"]["role"]["required"]
    assert lambda_function["attributes"]["invoke_arn"] == {"type": "string", "computed": True}
    environment = lambda_function["block_types"]["environment"]
    assert (environment["nesting_mode"], environment["max_items"]) == ("list", 1)
    table = schema.resources["aws_dynamodb_table"]
    assert table["block_types"]["attribute"]["nesting_mode"] == "set"
    assert table["block_types"]["ttl"]["block"]["attributes"]["attribute_name"]["optional"]
    policy = schema.data_sources["aws_iam_policy_document"]
    statement = policy["block_types"]["statement"]["block"]
    principals = statement["block_types"]["principals"]["block"]
    assert principals["attributes"]["identifiers"] == {"type": ["set", "string"], "required": True}
    assert policy["attributes"]["json"] == {"type": "string", "computed": True}


def test_required_providers_pins_the_vendored_provider_major(
    modules: dict[Path, Module], schema: ProviderSchema
) -> None:
    constraints = {
        str(module.path.relative_to(ROOT)): providers["aws"]["version"]
        for module in modules.values()
        for block in module.blocks
        if block.type == "terraform"
        for required in block.blocks_of("required_providers")
        for providers in [{name: a.value() for name, a in required.attributes.items()}]
        if "aws" in providers
    }
    assert "infra" in constraints, "infra/versions.tf must pin hashicorp/aws in required_providers"
    major = int(schema.version.split(".")[0])
    for where, constraint in constraints.items():
        assert satisfies(schema.version, constraint), (
            f"{where}: aws {constraint!r} excludes {schema.version}, the schema checked against"
        )
        assert not satisfies(f"{major + 1}.0.0", constraint), (
            f"{where}: aws {constraint!r} lets a new major in, unchecked against its schema"
        )


# --- checkov ------------------------------------------------------------------------------------


def run_checkov(directory: Path) -> dict[str, Any]:
    if not CHECKOV.exists():
        pytest.fail(
            f"checkov is not installed at {CHECKOV}: `make test` installs it in .venv-tools "
            "(`make tools` alone does too), or point $CHECKOV at a checkov binary."
        )
    # Only inline skips count: neither a CKV_SKIP_CHECK in the environment nor a .checkov.yaml in
    # the working or home directory (checkov reads both) may hide a check.
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CKV_", "CHECKOV_", "BC_", "PRISMA_"))
    }
    with tempfile.TemporaryDirectory() as empty:
        result = _run_checkov(directory, Path(empty), env | {"HOME": empty})
    try:
        parsed = json.loads(result.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"checkov did not report (exit {result.returncode}):\n{result.stderr[-3000:]}")
    reports = parsed if isinstance(parsed, list) else [parsed]
    terraform = [r for r in reports if r.get("check_type") == "terraform"]
    assert len(terraform) == 1, f"no terraform report from checkov: {result.stdout[:2000]}"
    return dict(terraform[0])


def _run_checkov(
    directory: Path, cwd: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(CHECKOV),
            "--directory",
            str(directory),
            "--framework",
            "terraform",
            "--skip-download",  # offline: no guidelines or policies from Prisma Cloud
            "--compact",
            "--output",
            "json",
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env=env,
        timeout=300,
    )


def checkov_problems(directory: Path, checkov: dict[str, Any]) -> list[str]:
    """Failed checks, parse errors, skips without a reason and inline skips that skip nothing."""
    shown = directory.relative_to(ROOT) if directory.is_relative_to(ROOT) else directory
    results, summary = checkov["results"], checkov["summary"]
    problems = [f"{shown}: checkov could not parse {path}" for path in results["parsing_errors"]]
    if summary["resource_count"] == 0:
        problems.append(f"{shown}: checkov found no resources to check")
    for config in sorted(directory.glob(".checkov.y*ml")):
        problems.append(f"{shown}/{config.name}: skips belong inline in the .tf files, not here")
    for failed in results["failed_checks"]:
        start = failed["file_line_range"][0]
        problems.append(
            f"{shown}{failed['file_path']}:{start}: {failed['resource']}: FAILED "
            f"{failed['check_id']} {failed['check_name']}"
        )
    used = set()
    for skipped in results["skipped_checks"]:
        reason = (skipped["check_result"].get("suppress_comment") or "").strip()
        start, end = skipped["file_line_range"]
        used.add((skipped["file_path"], skipped["check_id"], start, end))
        if not reason or reason == NO_REASON:
            problems.append(
                f"{shown}{skipped['file_path']}:{start}: {skipped['resource']}: skip of "
                f"{skipped['check_id']} has no reason (`#checkov:skip={skipped['check_id']}:why`)"
            )
    for path in sorted(directory.rglob("*.tf")):
        relative = "/" + str(path.relative_to(directory))
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            for match in SKIP_COMMENT.finditer(line):
                check_id = match[1]
                if not any(
                    file == relative and used_id == check_id and start <= number <= end
                    for file, used_id, start, end in used
                ):
                    problems.append(
                        f"{shown}{relative}:{number}: skip of {check_id} skips nothing "
                        "(the check passes or does not apply here): remove it"
                    )
    return sorted(problems)


@pytest.fixture(scope="module")
def infra_checkov() -> dict[str, Any]:
    return run_checkov(INFRA)


def test_checkov_passes_with_every_skip_inline_and_explained(
    infra_checkov: dict[str, Any],
) -> None:
    problems = checkov_problems(INFRA, infra_checkov)
    assert not problems, "\n" + "\n".join(problems)


def test_checkov_check_fails_on_a_finding_and_on_a_skip_without_reason(tmp_path: Path) -> None:
    # GIVEN an unencrypted topic, a queue whose encryption check is skipped without a reason, a
    # skip of a check that does not run there, and a checkov configuration beside the .tf files
    (tmp_path / ".checkov.yaml").write_text("skip-check:\n  - CKV_AWS_998\n")
    (tmp_path / "main.tf").write_text(
        textwrap.dedent("""\
        resource "aws_sns_topic" "alerts" {
          name = "alerts"
        }

        resource "aws_sqs_queue" "jobs" {
          #checkov:skip=CKV_AWS_27
          #checkov:skip=CKV_AWS_999:not a check that runs here
          name                      = "jobs"
          message_retention_seconds = 86400
        }
        """)
    )
    # WHEN checkov runs THEN each one is reported
    problems = "\n".join(checkov_problems(tmp_path, run_checkov(tmp_path)))
    assert "aws_sns_topic.alerts: FAILED CKV_AWS_26" in problems
    assert "aws_sqs_queue.jobs: skip of CKV_AWS_27 has no reason" in problems
    assert "main.tf:7: skip of CKV_AWS_999 skips nothing" in problems
    assert ".checkov.yaml: skips belong inline in the .tf files, not here" in problems


# --- The checker on fixtures: it fails when it should, and only then ----------------------------

STRING = {"type": "string"}
FIXTURE_SCHEMA = ProviderSchema(
    version="6.69.1",
    resources={
        "aws_sqs_queue": {
            "attributes": {
                "arn": STRING | {"computed": True},
                "name": STRING | {"optional": True, "computed": True},
                "tags": {"type": ["map", "string"], "optional": True},
                "url": STRING | {"computed": True},
            }
        },
        "aws_lambda_function": {
            "attributes": {
                "arn": STRING | {"computed": True},
                "function_name": STRING | {"required": True},
                "role": STRING | {"required": True},
            },
            "block_types": {
                "environment": {
                    "nesting_mode": "list",
                    "max_items": 1,
                    "block": {
                        "attributes": {"variables": {"type": ["map", "string"], "optional": True}}
                    },
                },
            },
        },
        "aws_dynamodb_table": {
            "attributes": {"name": STRING | {"required": True}},
            "block_types": {
                "attribute": {
                    "nesting_mode": "set",
                    "min_items": 1,
                    "block": {
                        "attributes": {
                            "name": STRING | {"required": True},
                            "type": STRING | {"required": True},
                        }
                    },
                },
            },
        },
    },
    data_sources={"aws_region": {"attributes": {"region": STRING | {"computed": True}}}},
)
VARIABLE = 'variable "{name}" {{\n  description = "d"\n  type        = string\n}}\n'


def problems_in(tmp_path: Path, files: dict[str, str]) -> list[str]:
    """Every problem the checker finds in a fixture tree, paths relative to it."""
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    report = check_tree(tmp_path, FIXTURE_SCHEMA)
    return [
        line.replace(f"{tmp_path.resolve()}/", "")
        for check in report.by_check
        for line in report.render(check).splitlines()
    ]


def test_checker_reports_unknown_arguments_blocks_and_types(tmp_path: Path) -> None:
    problems = problems_in(
        tmp_path,
        {
            "main.tf": """\
            resource "aws_sqs_queue" "jobs" {
              nmae = "jobs"
              arn  = "arn:aws:sqs:::jobs"
              tags {
                team = "a"
              }
            }

            resource "aws_lambda_function" "f" {
              function_name = "f"
              role          = "r"
              environment = {
                variables = {}
              }
              enviroment {
              }
            }

            resource "aws_sns_topic" "alerts" {}
            """
        },
    )
    assert problems == [
        "main.tf:2: aws_sqs_queue.jobs: nmae: no such argument (did you mean name?)",
        "main.tf:3: aws_sqs_queue.jobs: arn is read-only (computed by the provider); "
        "it cannot be set",
        "main.tf:4: aws_sqs_queue.jobs: tags is an argument here: write `tags = ...`, not a block",
        "main.tf:12: aws_lambda_function.f: environment is a block here: write "
        "`environment { ... }`, not `environment = ...`",
        "main.tf:15: aws_lambda_function.f: enviroment: no such block (did you mean environment?)",
        "main.tf:19: aws_sns_topic.alerts: resource type aws_sns_topic is not in the vendored "
        "provider schema 6.69.1 (unknown type, or regenerate infra/.provider-schema with "
        "scripts/vendor_provider_schema.py)",
    ]


def test_checker_reports_missing_required_arguments_and_blocks(tmp_path: Path) -> None:
    problems = problems_in(
        tmp_path,
        {
            "main.tf": """\
            resource "aws_lambda_function" "f" {
              function_name = "f"
              environment {
              }
              environment {
              }
            }

            resource "aws_dynamodb_table" "t" {
              name = "t"
            }

            resource "aws_dynamodb_table" "dynamic" {
              name = "t"
              dynamic "attribute" {
                for_each = ["pk"]
                content {
                  name = attribute.value
                }
              }
            }
            """
        },
    )
    assert problems == [
        "main.tf:1: aws_lambda_function.f: environment: at most 1 block(s), found 2",
        "main.tf:1: aws_lambda_function.f: role: required argument is not set",
        "main.tf:9: aws_dynamodb_table.t: attribute: required block is missing",
        "main.tf:17: aws_dynamodb_table.dynamic: dynamic attribute: type: "
        "required argument is not set",
    ]


def test_checker_reports_dangling_references(tmp_path: Path) -> None:
    problems = problems_in(
        tmp_path,
        {
            "main.tf": VARIABLE.format(name="name")
            + """\
            locals {
              queue = aws_sqs_queue.jobs
            }

            resource "aws_sqs_queue" "jobs" {
              name = "${var.prefix}-jobs"
              tags = { url = aws_sqs_queue.jobs.urll, other = aws_sqs_queue.missing.arn }
            }

            resource "aws_lambda_function" "f" {
              function_name = local.nmae
              role          = data.aws_region.here.region
              environment {
                variables = { QUEUE = each.key, REGION = data.aws_region.current.endpoint }
              }
            }

            data "aws_region" "current" {}

            output "queue" {
              description = "The queue."
              value       = [for q in [local.queue] : q.url if qq]
            }

            output "policy" {
              description = "A heredoc is a template too."
              value       = <<-EOT
                {"queue": "${aws_sqs_queue.jobs.url}", "x": "${var.missing}"}
              EOT
            }
            """
        },
    )
    assert problems == [
        "main.tf:10: aws_sqs_queue.jobs: var.prefix: no variable prefix is declared in this module",
        "main.tf:11: aws_sqs_queue.jobs: aws_sqs_queue.jobs.urll: aws_sqs_queue has no "
        "attribute urll (did you mean url?)",
        "main.tf:11: aws_sqs_queue.jobs: aws_sqs_queue.missing.arn: no such resource in this "
        "module",
        "main.tf:15: aws_lambda_function.f: local.nmae: no local value nmae",
        "main.tf:16: aws_lambda_function.f: data.aws_region.here.region: no such data block in "
        "this module",
        "main.tf:18: aws_lambda_function.f: data.aws_region.current.endpoint: data source "
        "aws_region has no attribute endpoint",
        "main.tf:18: aws_lambda_function.f: each.key: each. is only valid in a block with for_each",
        "main.tf:26: output.queue: qq: unknown name (not var, local, module, data, a resource, "
        "or a for/dynamic iterator)",
        "main.tf:32: output.policy: var.missing: no variable missing is declared in this module",
    ]


def test_checker_reports_module_calls_that_do_not_match_the_module(tmp_path: Path) -> None:
    problems = problems_in(
        tmp_path,
        {
            "main.tf": """\
            module "child" {
              source = "./child"
              name   = "x"
              colour = "blue"
            }

            module "elsewhere" {
              source = "git::https://example.com/module.git"
            }

            output "id" {
              description = "Child's id."
              value       = module.child.idd
            }

            output "size" {
              value = module.nobody.size
            }
            """,
            "child/variables.tf": VARIABLE.format(name="name")
            + VARIABLE.format(name="size")
            + 'variable "undocumented" {\n  default = 1\n}\n',
            "child/outputs.tf": 'output "id" {\n  description = "Id."\n  value = var.name\n}\n',
        },
    )
    assert sorted(problems) == sorted(
        [
            "main.tf:13: output.id: module.child.idd: module child (./child) has no output idd "
            "(did you mean id?)",
            "main.tf:17: output.size: module.nobody.size: no module call nobody",
            "main.tf:1: module.child: size: required variable of ./child is not passed "
            "(declared at child/variables.tf:5)",
            "main.tf:4: module.child: colour: ./child declares no such variable",
            "main.tf:7: module.elsewhere: source is not a local module directory",
            "child/variables.tf:9: variable.undocumented: description is missing",
            "child/variables.tf:9: variable.undocumented: type is missing",
            "main.tf:16: output.size: description is missing",
        ]
    )


def test_checker_accepts_what_terraform_accepts(tmp_path: Path) -> None:
    # GIVEN dynamic blocks (with and without iterator), for-expressions, count/for_each,
    # splats, module outputs through an index, template directives, lifecycle, terraform_data
    problems = problems_in(
        tmp_path,
        {
            "main.tf": VARIABLE.format(name="names")
            + """\
            locals {
              queues = { for name in ["a", "b"] : name => upper(name) if name != "" }
            }

            resource "aws_sqs_queue" "each" {
              for_each = local.queues
              name     = "${each.key}-${each.value}"
              tags     = { (each.key) = each.value, Fixed = "x" }
              lifecycle {
                ignore_changes        = [tags]
                create_before_destroy = true
              }
            }

            resource "aws_sqs_queue" "counted" {
              count      = 2
              name       = "q${count.index}"
              depends_on = [aws_sqs_queue.each, module.child]
            }

            resource "aws_dynamodb_table" "t" {
              name = values(aws_sqs_queue.each)[0].arn
              dynamic "attribute" {
                for_each = ["pk", "sk"]
                iterator = key
                content {
                  name = key.value
                  type = "S"
                }
              }
            }

            resource "aws_lambda_function" "f" {
              for_each      = module.child
              function_name = each.value.id
              role          = aws_sqs_queue.counted[*].arn[0]
              environment {
                variables = {
                  QUEUES = join(",", [for q in aws_sqs_queue.each : q.url])
                  REGION = data.aws_region.current.region
                  PATH   = "${path.module}/x"
                  LIST   = "%{for n in split(",", var.names)}${n};%{endfor}"
                }
              }
            }

            resource "terraform_data" "marker" {
              input = module.child["a"].id
            }

            data "aws_region" "current" {}

            module "child" {
              source   = "./child"
              for_each = toset(["a"])
              name     = each.key
            }

            output "doc" {
              description = "A heredoc with a directive."
              value       = <<-EOT
                %{~ for k, v in local.queues ~}
                ${k}=${v} in ${data.aws_region.current.region}
                %{~ endfor ~}
              EOT
            }
            """,
            "child/main.tf": VARIABLE.format(name="name")
            + 'output "id" {\n  description = "Id."\n  value       = var.name\n}\n',
        },
    )
    # THEN the checker finds nothing
    assert problems == []


def test_checker_checks_lifecycle_ignore_changes(tmp_path: Path) -> None:
    problems = problems_in(
        tmp_path,
        {
            "main.tf": """\
            resource "aws_sqs_queue" "jobs" {
              lifecycle {
                ignore_changes = [tag, name]
                prevent_destory = true
                precondition {
                  condition = true
                }
              }
            }
            """
        },
    )
    assert problems == [
        "main.tf:3: aws_sqs_queue.jobs: lifecycle: ignore_changes: tag is not an attribute of "
        "this type",
        "main.tf:4: aws_sqs_queue.jobs: lifecycle: prevent_destory: no such argument",
        "main.tf:5: aws_sqs_queue.jobs: lifecycle: precondition takes exactly condition and "
        "error_message",
    ]
