/** Template → typed model (see `types.ts` for the shapes and identity rules). */
export * from './types';
export { buildModel, modelFromTemplate } from './build';
export {
  AssemblyError,
  modelFromAssemblyDirectory,
  modelFromCloudAssembly,
  readAssemblyDirectory,
  type InProcessAssembly,
} from './assembly';
export * from './lookup';
export * from './ids';
