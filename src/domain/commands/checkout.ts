/** Commands that change what checkout needs: the customer, the addresses, the shipping method. */
import type { Address, Basket, Checkout } from '../types.js';
import { change, type CommandSpecs, type HandlerResult } from './handler.js';
import { updateShipment } from './shipments.js';

/** The commands of this family. */
export type CheckoutCommand =
  | { readonly kind: 'set_customer'; readonly email: string; readonly customerNo?: string }
  /** `alsoShipping` / `alsoBilling`: the same address for the other role too (OCAPI `use_as_shipping` / `use_as_billing`). */
  | { readonly kind: 'set_billing_address'; readonly address: Address; readonly alsoShipping?: boolean }
  | { readonly kind: 'set_shipping_address'; readonly shipmentId: string; readonly address: Address; readonly alsoBilling?: boolean }
  | { readonly kind: 'set_shipping_method'; readonly shipmentId: string; readonly methodId: string };

const withCheckout = (basket: Basket, fields: Partial<Checkout>): HandlerResult => change({ checkout: { ...basket.checkout, ...fields } });

export const checkoutCommands: CommandSpecs<CheckoutCommand> = {
  /** Replaces the customer information: the email, and the customer number when given (else none). */
  set_customer: {
    target: 'existing',
    agentOnly: false,
    reservation: 'hold',
    apply: (basket, c) => {
      const { customerNo: _previous, ...rest } = basket.checkout;
      return change({ checkout: { ...rest, customerEmail: c.email, ...(c.customerNo !== undefined ? { customerNo: c.customerNo } : {}) } });
    },
  },
  /**
   * The fields given replace those of the billing address, the others stay (PWA Kit sends `{phone}`
   * alone); `alsoShipping`: the same merge into the default shipment's (OCAPI `use_as_shipping`).
   */
  set_billing_address: {
    target: 'existing',
    agentOnly: false,
    reservation: 'hold',
    apply: (basket, c) =>
      withCheckout(basket, {
        billingAddress: { ...basket.checkout.billingAddress, ...c.address },
        ...(c.alsoShipping ? { shippingAddress: { ...basket.checkout.shippingAddress, ...c.address } } : {}),
      }),
  },
  /**
   * Merged into the shipment's shipping address as billing is; `alsoBilling`: into billing too (OCAPI
   * `use_as_billing`). The default shipment's is `checkout.shippingAddress`, as it always was.
   */
  set_shipping_address: {
    target: 'existing',
    agentOnly: false,
    reservation: 'hold',
    apply: (basket, c, ctx) => {
      const shipped = updateShipment(basket, c.shipmentId, { address: c.address }, ctx, 'merge');
      if (!c.alsoBilling || !('change' in shipped)) return shipped;
      const checkout = shipped.change.checkout ?? basket.checkout;
      return change({ ...shipped.change, checkout: { ...checkout, billingAddress: { ...basket.checkout.billingAddress, ...c.address } } });
    },
  },
  /** Any shipment's method; the default shipment's is `Basket.shippingMethodId`, as it always was. */
  set_shipping_method: {
    target: 'existing',
    agentOnly: false,
    reservation: 'hold',
    apply: (basket, c, ctx) => updateShipment(basket, c.shipmentId, { methodId: c.methodId }, ctx),
  },
};
