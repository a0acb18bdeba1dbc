// The public face of src/idl: Flounder-like typed interfaces. Declare an interface once with
// defineInterface and the field types in `t`; get its encoders, a typed sender and a typed
// dispatcher from it. Everything else in this folder is internal.
export {
  type FieldKind,
  type FieldType,
  type ScalarKind,
  type ScalarType,
  t,
  type ValueOf,
} from "./field-types.js";
export {
  type AnyInterface,
  type ArgsOf,
  type Declaration,
  defineInterface,
  type FieldDeclaration,
  type FieldValues,
  type Handlers,
  type Interface,
  type InterfaceOptions,
  type MessageName,
  type Receive,
  type Sender,
  type SlotWriter,
  type Transport,
} from "./interface.js";
export { MessageBuffer, messageBufferBytes } from "./message-buffer.js";
export { MessageError, type MessageErrorWhere } from "./message-error.js";
export {
  interfaceOnChannel,
  interfacesDeclared,
  messageNameAmong,
  type NamedInterface,
} from "./registry.js";
