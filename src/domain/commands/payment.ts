/** Payment instruments (OCAPI/SCAPI payment_instruments). Card data arrives already masked; no secret is kept. */
import { Money, minorUnits } from '../money.js';
import type { PaymentInstrument } from '../types.js';
import type { MutationContext, Rejection } from './context.js';
import { change, reject, type CommandSpecs } from './handler.js';

/** Payment instruments a basket may carry at once. */
export const MAX_PAYMENT_INSTRUMENTS = 5;

/** The commands of this family. */
export type PaymentCommand =
  | { readonly kind: 'add_payment_instrument'; readonly instrument: Omit<PaymentInstrument, 'id'> }
  | { readonly kind: 'remove_payment_instrument'; readonly paymentInstrumentId: string }
  /** SCAPI updatePaymentInstrumentInBasket: the fields given replace the instrument's (checked as on add). */
  | { readonly kind: 'update_payment_instrument'; readonly paymentInstrumentId: string; readonly changes: Partial<Omit<PaymentInstrument, 'id'>> };

export const paymentCommands: CommandSpecs<PaymentCommand> = {
  /** One of the site's methods (and, for cards, one of its card types); an amount within the currency's digits. */
  add_payment_instrument: {
    target: 'existing',
    agentOnly: false,
    reservation: 'hold',
    apply: (basket, c, ctx) => {
      const refused = paymentInstrumentRefusal(c.instrument, basket.currency, ctx);
      if (refused) return { rejection: refused };
      const instruments = basket.checkout.paymentInstruments ?? [];
      if (instruments.length >= MAX_PAYMENT_INSTRUMENTS) {
        return reject('payment_instrument_limit_exceeded', `A basket holds at most ${MAX_PAYMENT_INSTRUMENTS} payment instruments.`);
      }
      return change({ checkout: { ...basket.checkout, paymentInstruments: [...instruments, { id: ctx.newItemId(0), ...c.instrument }] } });
    },
  },
  remove_payment_instrument: {
    target: 'existing',
    agentOnly: false,
    reservation: 'hold',
    apply: (basket, c) => {
      const instruments = basket.checkout.paymentInstruments ?? [];
      if (!instruments.some((p) => p.id === c.paymentInstrumentId)) {
        return reject('payment_instrument_not_found', `No payment instrument '${c.paymentInstrumentId}' in this basket.`);
      }
      return change({ checkout: { ...basket.checkout, paymentInstruments: instruments.filter((p) => p.id !== c.paymentInstrumentId) } });
    },
  },
  /** The fields given replace the instrument's; the result is checked as an added one is. */
  update_payment_instrument: {
    target: 'existing',
    agentOnly: false,
    reservation: 'hold',
    apply: (basket, c, ctx) => {
      const instruments = basket.checkout.paymentInstruments ?? [];
      const found = instruments.find((p) => p.id === c.paymentInstrumentId);
      if (!found) return reject('payment_instrument_not_found', `No payment instrument '${c.paymentInstrumentId}' in this basket.`);
      const changed: PaymentInstrument = { ...found, ...c.changes };
      const refused = paymentInstrumentRefusal(changed, basket.currency, ctx);
      if (refused) return { rejection: refused };
      return change({ checkout: { ...basket.checkout, paymentInstruments: instruments.map((p) => (p === found ? changed : p)) } });
    },
  },
};

/** Why an instrument cannot be on the basket (unknown method, card type it does not take, amount finer than the currency), or null. */
function paymentInstrumentRefusal(instrument: Omit<PaymentInstrument, 'id'>, currency: string, ctx: MutationContext): Rejection | null {
  const method = ctx.paymentMethods?.get(instrument.methodId);
  if (!method) return { code: 'payment_method_not_found', message: `No payment method '${instrument.methodId}' on this site.` };
  const card = instrument.card;
  if (card && method.cardTypes.length > 0 && !method.cardTypes.includes(card.cardType)) {
    return { code: 'payment_method_not_found', message: `Payment method '${method.id}' does not take '${card.cardType}' cards.` };
  }
  if (instrument.amount !== null && new Money(instrument.amount).decimalPlaces() > minorUnits(currency)) {
    return { code: 'payment_amount_invalid', message: `An amount in ${currency} has at most ${minorUnits(currency)} decimal places.` };
  }
  return null;
}
