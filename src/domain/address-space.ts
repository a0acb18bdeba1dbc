// A dispatcher's address spaces: `ctx.addressSpace(name, { protocol })` on one core of a domain.
//
// Like a replicated object, an address space is declared by every dispatcher of the domain with the
// same name and protocol; each gets its own core's handle (src/vm/address-space.ts). Names are the
// domain's own (scoped `domain<id>/<name>` in the monitor's vm module, which runs the protocols), so
// two domains' spaces of one name are different spaces. Asking again on the same core for a name
// gives the same handle if the protocol agrees, else an error. When the dispatcher closes, its
// spaces close on this core.

import type { VmModule } from "../monitor/vm-module.js";
import type { AddressSpace, AddressSpaceOptions } from "../vm/address-space.js";

export class DomainAddressSpaces {
  private readonly open = new Map<string, AddressSpace>();

  constructor(
    private readonly vm: VmModule | undefined,
    private readonly domainId: number,
    private readonly cores: readonly number[],
  ) {}

  /** This core's handle on the domain's address space `name`. */
  get(name: string, options: AddressSpaceOptions): AddressSpace {
    if (typeof name !== "string" || name.length === 0)
      throw new Error("addressSpace: the name must be a non-empty string");
    if (options === null || typeof options !== "object" || typeof options.protocol !== "string")
      throw new Error(`addressSpace("${name}"): options must name a protocol`);
    const known = this.open.get(name);
    if (known !== undefined) {
      if (known.protocol !== options.protocol)
        throw new Error(
          `addressSpace("${name}"): already open with protocol ${known.protocol}, not ${options.protocol}`,
        );
      return known;
    }
    if (this.vm === undefined)
      throw new Error(`addressSpace("${name}"): this platform's monitor has no virtual-memory module`);
    const handle = this.vm.open(this.scoped(name), this.cores, options);
    const space: AddressSpace = {
      name,
      protocol: handle.protocol,
      cores: handle.cores,
      map: (vaddr, frame, rights, lengthBytes) => handle.map(vaddr, frame, rights, lengthBytes),
      unmap: (vaddr, lengthBytes) => handle.unmap(vaddr, lengthBytes),
      protect: (vaddr, lengthBytes, rights) => handle.protect(vaddr, lengthBytes, rights),
      translate: (vaddr, access) => handle.translate(vaddr, access),
      allocFrame: () => handle.allocFrame(),
    };
    Object.freeze(space);
    this.open.set(name, space);
    return space;
  }

  /** Closes every space of this dispatcher on this core. */
  closeAll(): void {
    for (const name of this.open.keys()) this.vm?.close(this.scoped(name));
    this.open.clear();
  }

  private scoped(name: string): string {
    return `domain${this.domainId}/${name}`;
  }
}
