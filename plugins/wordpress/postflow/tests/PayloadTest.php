<?php
/**
 * @package PostFlow
 */

use PHPUnit\Framework\TestCase;

final class PayloadTest extends TestCase {

	protected function setUp(): void {
		$GLOBALS['postflow_fixture'] = array(
			'author' => 'Jane Doe',
			'terms'  => array(
				'category' => array( 'News &amp; Views' ),
				'post_tag' => array( 'launch' ),
			),
			'images' => array(
				7 => array( 'https://blog.example/cover.jpg', 1200, 800, false ),
				8 => array( 'https://blog.example/side.jpg', 600, 600, false ),
				9 => array( 'https://blog.example/logo.svg', 0, 0, false ),
			),
			'meta'   => array( 7 => array( '_wp_attachment_image_alt' => 'The cover' ) ),
		);
	}

	private function post( array $fields = array() ) {
		return (object) array_merge(
			array(
				'ID'                => 12,
				'post_type'         => 'post',
				'post_title'        => 'Hello &amp; <b>welcome</b>',
				'post_excerpt'      => '',
				'post_content'      => '<!-- wp:paragraph --><p>First [gallery id="1"] words.</p><!-- /wp:paragraph --><script>alert(1)</script>',
				'post_author'       => 3,
				'post_status'       => 'publish',
				'post_date_gmt'     => '2026-12-01 10:00:00',
				'post_modified_gmt' => '2026-12-02 11:30:00',
				'post_password'     => '',
			),
			$fields
		);
	}

	public function test_an_article_as_the_contract_names_it() {
		$GLOBALS['postflow_fixture']['thumbnail'] = 7;
		$event                                    = Postflow_Payload::event( 'item.published', $this->post(), array(), 1764583200 );
		$this->assertSame(
			array(
				'type'        => 'item.published',
				'occurred_at' => '2025-12-01T10:00:00Z',
				'item'        => array(
					'id'           => '12',
					'post_type'    => 'post',
					'title'        => 'Hello & welcome',
					'excerpt'      => 'First words.',
					'url'          => 'https://blog.example/?p=12',
					'image'        => array(
						'url'    => 'https://blog.example/cover.jpg',
						'alt'    => 'The cover',
						'width'  => 1200,
						'height' => 800,
					),
					'gallery'      => array(),
					'categories'   => array( 'News & Views' ),
					'tags'         => array( 'launch' ),
					'author'       => 'Jane Doe',
					'status'       => 'publish',
					'published_at' => '2026-12-01T10:00:00Z',
					'modified_at'  => '2026-12-02T11:30:00Z',
					'product'      => null,
				),
				'share'       => $event['share'],
			),
			$event
		);
		$this->assertSame( '{"enabled":true,"timing":"QUEUE","at":null,"channel_ids":[],"messages":{}}', json_encode( $event['share'] ) );
	}

	public function test_an_image_of_unknown_size_has_null_width_and_height() {
		$GLOBALS['postflow_fixture']['thumbnail'] = 9;
		$image                                    = Postflow_Payload::item( $this->post() )['image'];
		$this->assertSame( array( null, null ), array( $image['width'], $image['height'] ) );
	}

	public function test_excerpt_is_the_authors_or_the_first_55_words_and_a_draft_has_no_published_at() {
		$long = implode( ' ', array_map( 'strval', range( 1, 60 ) ) );
		$item = Postflow_Payload::item( $this->post( array( 'post_content' => $long, 'post_status' => 'draft', 'post_date_gmt' => '0000-00-00 00:00:00' ) ) );
		$this->assertSame( implode( ' ', array_map( 'strval', range( 1, 55 ) ) ) . '…', $item['excerpt'] );
		$this->assertNull( $item['published_at'] );
		$this->assertNull( $item['image'] );
		$this->assertSame( 'Mine', Postflow_Payload::item( $this->post( array( 'post_excerpt' => '<p>Mine</p>' ) ) )['excerpt'] );
	}

	public function test_a_product_carries_price_stock_image_and_gallery_from_its_getters() {
		$GLOBALS['postflow_fixture']['terms']   = array( 'product_cat' => array( 'Mugs' ) );
		$GLOBALS['postflow_fixture']['product'] = new Postflow_Test_Product(
			array(
				'get_image_id'          => '7',
				'get_gallery_image_ids' => array( 8, 99 ),
				'get_price'             => '19.99',
				'get_regular_price'     => '24.99',
				'get_sale_price'        => '19.99',
				'get_sku'               => 'MUG-1',
				'is_in_stock'           => true,
				'get_stock_quantity'    => null,
			)
		);
		$item = Postflow_Payload::item( $this->post( array( 'post_type' => 'product' ) ) );
		$this->assertSame( 'https://blog.example/cover.jpg', $item['image']['url'] );
		$this->assertSame(
			array(
				array(
					'url' => 'https://blog.example/side.jpg',
					'alt' => '',
				),
			),
			$item['gallery']
		);
		$this->assertSame( array( 'Mugs' ), $item['categories'] );
		$this->assertSame( array(), $item['tags'] );
		$this->assertSame(
			array(
				'price'          => '19.99',
				'regular_price'  => '24.99',
				'sale_price'     => '19.99',
				'currency'       => 'EUR',
				'sku'            => 'MUG-1',
				'in_stock'       => true,
				'stock_quantity' => null,
			),
			$item['product']
		);
	}

	public function test_share_block_keeps_only_what_the_contract_allows() {
		$share = Postflow_Payload::share(
			array(
				'enabled'     => false,
				'timing'      => 'LATER',
				'at'          => '2027-01-01T00:00:00Z',
				'channel_ids' => array( 5, 'ch_a' ),
				'messages'    => array(
					'BLUESKY' => 'Hi',
					'X'       => '  ',
				),
				'occurrence'  => 3,
			)
		);
		$this->assertSame( '{"enabled":false,"timing":"QUEUE","at":null,"channel_ids":["5","ch_a"],"messages":{"BLUESKY":"Hi"},"occurrence":"3"}', json_encode( $share ) );
		$this->assertSame( '2027-01-01T00:00:00Z', Postflow_Payload::share( array( 'timing' => 'AT', 'at' => '2027-01-01T00:00:00Z' ) )['at'] );
		$this->assertSame( array( 'QUEUE', null ), array_values( array_slice( Postflow_Payload::share( array( 'timing' => 'AT', 'at' => '' ) ), 1, 2 ) ) );
	}

	public function test_discriminators_of_the_idempotency_key() {
		$event = Postflow_Payload::event( 'item.updated', $this->post(), array( 'occurrence' => 2 ), 0 );
		$this->assertSame( 'published', Postflow_Payload::discriminator( 'item.published', $event ) );
		$this->assertSame( 'published', Postflow_Payload::discriminator( 'item.published', $event, 1 ) );
		$this->assertSame( 'published-2', Postflow_Payload::discriminator( 'item.published', $event, 2 ) );
		$this->assertSame( '2026-12-02T11:30:00Z', Postflow_Payload::discriminator( 'item.updated', $event, 2 ) );
		$this->assertSame( '2', Postflow_Payload::discriminator( 'item.share', $event ) );
		$this->assertSame( '2026-12-02T11:30:00Z', Postflow_Payload::discriminator( 'item.updated', $event ) );
		$this->assertSame( '2026-12-02T11:30:00Z', Postflow_Payload::discriminator( 'item.deleted', $event ) );
		// A product's stock change leaves modified_at alone: its key still differs.
		$product                   = $event;
		$product['item']['product'] = array( 'in_stock' => true );
		$out_of_stock              = $event;
		$out_of_stock['item']['product'] = array( 'in_stock' => false );
		$this->assertMatchesRegularExpression( '/^2026-12-02T11:30:00Z-[0-9a-f]{12}$/', Postflow_Payload::discriminator( 'item.updated', $product ) );
		$this->assertNotSame( Postflow_Payload::discriminator( 'item.updated', $product ), Postflow_Payload::discriminator( 'item.updated', $out_of_stock ) );
	}

	public function test_lengths_and_counts_stay_within_postflows_limits_counted_in_utf16_units() {
		$utf16 = function ( $text ) {
			return intdiv( strlen( mb_convert_encoding( $text, 'UTF-16LE', 'UTF-8' ) ), 2 );
		};
		$GLOBALS['postflow_fixture']['author'] = str_repeat( 'é', 300 );
		$GLOBALS['postflow_fixture']['terms']  = array( 'post_tag' => array_map( 'strval', range( 1, 150 ) ) );
		// 600 emoji are 1200 UTF-16 units: over 1000 though only 600 characters.
		$item = Postflow_Payload::item( $this->post( array( 'post_title' => str_repeat( '😀', 600 ), 'post_content' => str_repeat( '漢字', 6000 ) ) ) );
		$this->assertLessThanOrEqual( 1000, $utf16( $item['title'] ) );
		$this->assertGreaterThan( 900, $utf16( $item['title'] ) );
		$this->assertStringEndsWith( '😀…', $item['title'] );
		$this->assertLessThanOrEqual( 200, $utf16( $item['author'] ) );
		$this->assertCount( 100, $item['tags'] );
		// A text without spaces is one "word" to wp_trim_words: the excerpt is cut by length instead.
		$this->assertLessThanOrEqual( 600, $utf16( $item['excerpt'] ) );
		$this->assertStringStartsWith( '漢字漢字', $item['excerpt'] );
		$this->assertLessThanOrEqual( 10000, $utf16( Postflow_Payload::item( $this->post( array( 'post_excerpt' => str_repeat( 'ab ', 5000 ) ) ) )['excerpt'] ) );
		$message = Postflow_Payload::share( array( 'messages' => array( 'X' => str_repeat( '😀', 2600 ) ) ) )['messages']->X;
		$this->assertLessThanOrEqual( 5000, $utf16( $message ) );
		$this->assertSame( 'short', Postflow_Payload::clamp( 'short', 10 ) );
	}

	public function test_a_gallery_keeps_at_most_50_images() {
		$images = array();
		for ( $id = 100; $id < 160; $id++ ) {
			$images[ $id ] = array( "https://blog.example/{$id}.jpg", 10, 10, false );
		}
		$GLOBALS['postflow_fixture']['images']  = $images;
		$GLOBALS['postflow_fixture']['product'] = new Postflow_Test_Product(
			array(
				'get_image_id'          => '0',
				'get_gallery_image_ids' => array_keys( $images ),
				'get_price'             => '1',
				'get_regular_price'     => '1',
				'get_sale_price'        => '',
				'get_sku'               => '',
				'is_in_stock'           => true,
				'get_stock_quantity'    => null,
			)
		);
		$gallery = Postflow_Payload::item( $this->post( array( 'post_type' => 'product' ) ) )['gallery'];
		$this->assertCount( 50, $gallery );
		$this->assertSame( 'https://blog.example/149.jpg', end( $gallery )['url'] );
	}

	public function test_events_that_make_no_posts_carry_no_channel_ids() {
		$share = array( 'channel_ids' => array( '0b7e8a52-3c1d-4f6e-9a2b-5c8d7e6f1a2b' ) );
		foreach ( array( 'item.updated', 'item.unpublished', 'item.deleted' ) as $type ) {
			$this->assertSame( array(), Postflow_Payload::event( $type, $this->post(), $share, 0 )['share']['channel_ids'], $type );
		}
		foreach ( array( 'item.published', 'item.share' ) as $type ) {
			$this->assertSame( $share['channel_ids'], Postflow_Payload::event( $type, $this->post(), $share + array( 'occurrence' => 1 ), 0 )['share']['channel_ids'], $type );
		}
	}
}
