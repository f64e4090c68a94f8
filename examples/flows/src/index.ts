export { createPhoneTree, phoneTree } from './phone-tree.js';
export type { PhoneTreeOptions } from './phone-tree.js';
