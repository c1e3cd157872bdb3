/** The file formats of XenServer exports: XVA (tar), stream-ordered VHD, their checksums and compression. */
export { FormatError } from './errors.js';
export { chunkDigest, chunkDigestOfParts, PrefixDigest, sha1Hex, xxh64Hex, CHECKSUM_SUFFIX, type ChecksumKind } from './checksums.js';
export {
  isRegularFile,
  parseTarHeader,
  tarHeader,
  tarPadding,
  tarPaddingLength,
  TAR_BLOCK,
  TAR_END,
  type TarEntry,
  type TarHeaderOptions,
} from './tar-header.js';
export { TarParser, type TarSink } from './tar-parser.js';
export {
  chunkCount,
  chunkLength,
  chunkMemberName,
  classifyMemberName,
  estimateXvaSize,
  OVA_XML,
  XVA_CHUNK_SIZE,
  type XvaMemberName,
} from './xva-names.js';
export { xvaReadable, xvaStream, type XvaChunkParts, type XvaDiskSource, type XvaWriterOptions } from './xva-writer.js';
export {
  parseXva,
  XvaParser,
  type XvaChunk,
  type XvaDiskSummary,
  type XvaEvent,
  type XvaParserOptions,
  type XvaSummary,
} from './xva-parser.js';
export { checkDiskSizes } from './xva-summary.js';
export { ovaDiskSizes, parseXmlRpc, XvaDiskCheck } from './ova-xml.js';
export { computeVhdGeometry, VHD_MAX_CHS_SECTORS, type VhdGeometry } from './vhd-geometry.js';
export {
  buildVhdFooter,
  buildVhdHeader,
  parseVhdFooter,
  parseVhdHeader,
  uuidBytes,
  vhdChecksum,
  vhdTimestamp,
  VHD_BLOCK_SIZE,
  VHD_BLOCK_UNUSED,
  VHD_DISK_TYPE,
  VHD_FOOTER_SIZE,
  VHD_HEADER_SIZE,
  VHD_SECTOR,
  type VhdFooter,
  type VhdFooterFields,
  type VhdHeader,
  type VhdHeaderFields,
  type VhdParentLocator,
} from './vhd-structs.js';
export { vhdStream, vhdStreamLength, vhdTableEntries, type VhdStreamOptions } from './vhd-writer.js';
export { parseVhd, VhdParser, type VhdBlock, type VhdEvent } from './vhd-parser.js';
export { detectCompression, gunzipStream, gzipStream, type Compression } from './compression.js';
export { zstdCompressStream, zstdDecompressStream, ZSTD_MISSING_MESSAGE, type ZstdOptions } from './zstd.js';
export { bitmapBytes, uuidText, VhdFile, VHD_MAX_BLOCK_SIZE, type VhdFileBlock } from './vhd-file.js';
export { VhdIdentityRewriter, type VhdIdentity } from './vhd-identity.js';
