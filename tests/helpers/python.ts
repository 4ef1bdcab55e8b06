/**
 * Debian's Python with PyTorch, for the tests whose references PyTorch writes (EMO-AffectNet import, the
 * project's own training). The product never runs Python; without it those tests skip and say how to get it.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Debian's python3 with python3-torch (not a pyenv python); AFFECT_LENS_PYTHON overrides it. */
export const PYTHON = process.env.AFFECT_LENS_PYTHON ?? '/usr/bin/python3';
/** The shared measurement data beside the checkout (../shared/data/README.md); AFFECT_LENS_SHARED_DATA overrides it. */
export const SHARED_DATA = process.env.AFFECT_LENS_SHARED_DATA ?? path.resolve(ROOT, '../shared/data');
export const ENABLE = 'apt-get install -y python3-torch python3-pil';

export const HAVE_TORCH =
  spawnSync(PYTHON, ['-c', 'import torch, PIL, numpy'], { stdio: 'ignore' }).status === 0;
