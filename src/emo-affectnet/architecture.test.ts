import { describe, expect, it } from 'vitest';
import { bottlenecks, checkParams, expectedParams, type FoundParam } from './architecture.ts';

const found = (): Map<string, FoundParam> =>
  new Map(expectedParams().map((p) => [p.key, { shape: p.shape, dtype: p.dtype }]));

describe('EMO-AffectNet architecture (MODELS.md section 2)', () => {
  it('has 322 state_dict keys', () => {
    const params = expectedParams();
    expect(params).toHaveLength(322);
    expect(new Set(params.map((p) => p.key)).size).toBe(322);
  });

  it.each([
    ['conv_layer_s2_same.weight', [64, 3, 7, 7]],
    ['batch_norm1.running_var', [64]],
    ['batch_norm1.num_batches_tracked', []],
    ['layer1.0.conv1.weight', [64, 64, 1, 1]],
    ['layer1.0.i_downsample.0.weight', [256, 64, 1, 1]],
    ['layer1.1.conv1.weight', [64, 256, 1, 1]],
    ['layer2.0.conv1.weight', [128, 256, 1, 1]],
    ['layer2.0.conv2.weight', [128, 128, 3, 3]],
    ['layer2.0.i_downsample.1.weight', [512]],
    ['layer3.5.batch_norm3.bias', [1024]],
    ['layer4.2.conv3.weight', [2048, 512, 1, 1]],
    ['fc1.weight', [512, 2048]],
    ['fc1.bias', [512]],
    ['fc2.weight', [7, 512]],
    ['fc2.bias', [7]],
  ])('%s has shape %j', (key, shape) => {
    expect(expectedParams().find((p) => p.key === key)?.shape).toEqual(shape);
  });

  it('puts the downsample on the first block of each layer only, with the stride on conv1', () => {
    const blocks = bottlenecks();
    expect(blocks.map((b) => b.prefix).join(' ')).toBe(
      'layer1.0 layer1.1 layer1.2 layer2.0 layer2.1 layer2.2 layer2.3 layer3.0 layer3.1 layer3.2 layer3.3 layer3.4 layer3.5 layer4.0 layer4.1 layer4.2',
    );
    expect(blocks.filter((b) => b.downsample).map((b) => b.prefix)).toEqual([
      'layer1.0',
      'layer2.0',
      'layer3.0',
      'layer4.0',
    ]);
    expect(blocks.filter((b) => b.stride !== 1).map((b) => `${b.prefix}:${b.stride}`)).toEqual([
      'layer2.0:2',
      'layer3.0:2',
      'layer4.0:2',
    ]);
  });

  it('lists keys in PyTorch module order: stem, then per block conv1, batch_norm1 ... i_downsample, then fc1, fc2', () => {
    const keys = expectedParams().map((p) => p.key);
    expect(keys.slice(0, 8)).toEqual([
      'conv_layer_s2_same.weight',
      'batch_norm1.weight',
      'batch_norm1.bias',
      'batch_norm1.running_mean',
      'batch_norm1.running_var',
      'batch_norm1.num_batches_tracked',
      'layer1.0.conv1.weight',
      'layer1.0.batch_norm1.weight',
    ]);
    expect(keys.indexOf('layer1.0.i_downsample.0.weight')).toBe(
      keys.indexOf('layer1.0.batch_norm3.num_batches_tracked') + 1,
    );
    expect(keys.slice(-4)).toEqual(['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']);
  });

  it('accepts exactly the expected keys, shapes and dtypes', () => {
    expect(checkParams(found())).toEqual([]);
  });

  it('reports every problem at once: missing, unexpected, wrong shape, wrong dtype', () => {
    const params = found();
    params.delete('layer3.2.conv2.weight');
    params.delete('fc2.bias');
    params.set('layer3.2.conv9.weight', { shape: [256, 256, 3, 3], dtype: 'float32' });
    params.set('fc2.weight', { shape: [8, 512], dtype: 'float32' });
    params.set('batch_norm1.num_batches_tracked', { shape: [], dtype: 'float32' });
    expect(checkParams(params)).toEqual([
      'missing 2 key(s): layer3.2.conv2.weight [256, 256, 3, 3], fc2.bias [7]',
      'unexpected 1 key(s): layer3.2.conv9.weight [256, 256, 3, 3]',
      'batch_norm1.num_batches_tracked: expected int64, found float32',
      'fc2.weight: expected shape [7, 512], found [8, 512]',
    ]);
  });
});
