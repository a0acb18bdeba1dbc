// Test domain: like wrong-interface.ts, but the client's interface has the exported one's name and
// a different declaration, so only the fingerprints tell them apart.
import { otherDeclarationRpc, wrongInterfaceDomain } from "./wrong-interface.js";

export const main = wrongInterfaceDomain("test-shape-by-declaration", otherDeclarationRpc);
