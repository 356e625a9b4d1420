// The image side of the edge-safe API: decode (JPEG; PNG via ImageData in browsers, src/node in
// Node), the per-family preprocessing pipelines, labels and the Classifier.
export { Classifier, DEFAULT_MODEL_FILE, type ClassifierOptions, type ClassifyOptions } from './classifier.js';
export { ImageError } from './errors.js';
export { sniffFormat, type ImageFormat } from './format.js';
export { composite, cropRect, fromGrey, fromImageData, rgbImage, WHITE, type Background, type ImageDataLike, type RgbImage } from './image.js';
export { decodeJpeg, type JpegOptions } from './jpeg.js';
export { applyOrientation, exifOrientation } from './orientation.js';
export { axisWeights, resizeRgb, resizeRgbFloat, type AxisWeights, type FloatRgbImage, type Interpolation } from './resample.js';
export { centerCrop, centralSquare } from './crop.js';
export { IMAGENET_MEAN, IMAGENET_STD, normalize, normalizeInto, type Triple } from './normalize.js';
export { checkResizable, describePipeline, makePipeline, preprocess, preprocessBatch, resized, type Pipeline, type PipelineOptions } from './pipeline.js';
export { classesFromMetadata, pipelineFromMetadata } from './metadata.js';
export { labelsFor, parseLabels, topK, type Prediction } from './labels.js';
export { NonFiniteOutputError, type NonFiniteRow } from './nonfinite.js';
export { IMAGENET_CLASSES } from './imagenet-classes.js';
